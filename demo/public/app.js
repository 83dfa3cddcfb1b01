/**
 * The shop page: menu, cart and the <dualpay-checkout> element, plus the integrator panel.
 * Everything that comes from data (product names, event details, URLs) is set as text, never
 * as HTML. The element is defined by /dualpay.js, a classic script that runs before this module.
 */
import {
  applyLocale,
  formatDateTime,
  formatKrw,
  initialLocale,
  LOCALES,
  saveLocale,
  t,
} from './i18n.js';

const CART_KEY = 'dualpay-demo-cart';
const MAX_QTY = 99;
const MAX_LOG_ENTRIES = 200;
/** Statuses in which a checkout is under way: the cart must not change under it. */
const RUNNING = new Set(['creating', 'awaiting-handoff', 'awaiting-confirmation', 'settled']);
const ENDED = new Set(['declined', 'failed', 'expired', 'cancelled']);

const byId = (id) => document.getElementById(id);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';

const checkout = document.querySelector('dualpay-checkout');
const ui = {
  locale: byId('locale'),
  menuStatus: byId('menu-status'),
  products: byId('products'),
  cartHeading: byId('cart-heading'),
  cartEmpty: byId('cart-empty'),
  cartLines: byId('cart-lines'),
  cartTotal: byId('cart-total'),
  cartLocked: byId('cart-locked'),
  pay: byId('pay'),
  payStatus: byId('pay-status'),
  enrol: byId('enrol'),
  enrolResult: byId('enrol-result'),
  openPhone: byId('open-phone'),
  phoneStatus: byId('phone-status'),
  eventLog: byId('event-log'),
  clearLog: byId('clear-log'),
};

let locale = initialLocale();
/** @type {{id: string, name: string, nameKo: string, price: number, currency: string}[]} */
let products = [];
/** product id → quantity */
const cart = loadCart();

// ── helpers ──

/** Makes an element with text content (never HTML) and attributes. */
function el(tag, { text, className, attrs = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const productName = (product) => (locale === 'ko' ? product.nameKo : product.name);

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  return { response, json };
}

const errorText = (json, response) =>
  json?.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${response.status}`;

// ── cart ──

function loadCart() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CART_KEY) ?? '[]');
    if (Array.isArray(saved)) {
      return new Map(
        saved.filter(
          ([id, qty]) =>
            typeof id === 'string' && Number.isInteger(qty) && qty > 0 && qty <= MAX_QTY,
        ),
      );
    }
  } catch {
    // a damaged or unavailable store: start empty
  }
  return new Map();
}

function saveCart() {
  try {
    sessionStorage.setItem(CART_KEY, JSON.stringify([...cart]));
  } catch {
    // not kept across reloads; the page still works
  }
}

function changeQty(id, delta) {
  if (RUNNING.has(checkout?.status)) return;
  const qty = Math.min(MAX_QTY, (cart.get(id) ?? 0) + delta);
  if (qty > 0) cart.set(id, qty);
  else cart.delete(id);
  saveCart();
  // A finished, unpaid checkout still shows its old amount: start afresh with the new cart.
  if (checkout && ENDED.has(checkout.status)) checkout.reset();
  renderCart();
}

const cartItems = () => [...cart].map(([id, qty]) => ({ id, qty }));

// ── rendering ──

function renderProducts() {
  ui.products.replaceChildren(
    ...products.map((product) => {
      const name = productName(product);
      const button = el('button', {
        text: t(locale, 'add'),
        attrs: {
          type: 'button',
          'aria-label': t(locale, 'addLabel', { name }),
          'data-action': 'add',
          'data-id': product.id,
        },
      });
      button.addEventListener('click', () => changeQty(product.id, 1));
      return el('li', { className: 'product' }, [
        el('span', { className: 'product-name', text: name }),
        el('span', { className: 'price', text: formatKrw(product.price) }),
        button,
      ]);
    }),
  );
  updateLock();
}

function renderCart() {
  // Re-rendering replaces the buttons: remember which one had focus and give it back.
  const focused = document.activeElement;
  const focusKey = focused?.dataset?.action
    ? `${focused.dataset.action}:${focused.dataset.id}`
    : '';
  const known = products.filter((product) => cart.has(product.id));
  let total = 0;
  ui.cartLines.replaceChildren(
    ...known.map((product) => {
      const qty = cart.get(product.id);
      const name = productName(product);
      total += product.price * qty;
      const less = el('button', {
        text: '−',
        className: 'qty-button',
        attrs: {
          type: 'button',
          'aria-label': t(locale, 'removeOne', { name }),
          'data-action': 'less',
          'data-id': product.id,
        },
      });
      const more = el('button', {
        text: '+',
        className: 'qty-button',
        attrs: {
          type: 'button',
          'aria-label': t(locale, 'addOne', { name }),
          'data-action': 'more',
          'data-id': product.id,
        },
      });
      less.addEventListener('click', () => changeQty(product.id, -1));
      more.addEventListener('click', () => changeQty(product.id, 1));
      return el('li', { className: 'cart-line' }, [
        el('span', { className: 'product-name', text: name }),
        el('span', { className: 'qty-controls' }, [
          less,
          el('span', {
            className: 'qty',
            text: String(qty),
            attrs: { 'aria-label': `${t(locale, 'quantity')} ${qty}` },
          }),
          more,
        ]),
        el('span', { className: 'line-total', text: formatKrw(product.price * qty) }),
      ]);
    }),
  );
  ui.cartTotal.textContent = formatKrw(total);
  ui.cartEmpty.hidden = known.length > 0;
  ui.pay.hidden = known.length === 0 && !RUNNING.has(checkout?.status);
  updateLock();
  if (focusKey && !document.contains(focused)) {
    const [action, id] = focusKey.split(':');
    const again = document.querySelector(`[data-action="${action}"][data-id="${CSS.escape(id)}"]`);
    (again ?? ui.cartHeading).focus();
  }
}

/** While a checkout runs, the cart is frozen: its amount is already at the issuer. */
function updateLock() {
  const locked = RUNNING.has(checkout?.status);
  ui.cartLocked.hidden = !locked || checkout?.status === 'settled';
  for (const button of document.querySelectorAll('.product button, .cart-line button')) {
    button.disabled = locked;
  }
}

// ── integrator panel: event log ──

function log(kind, name, detail) {
  const time = new Date();
  const stamp = `${time.toLocaleTimeString('en-GB', { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const entry = el('li', { className: `log-entry log-${kind}` }, [
    el('time', { text: stamp, attrs: { datetime: time.toISOString() } }),
    ' ',
    el('code', { className: 'log-name', text: name }),
  ]);
  if (detail !== undefined) entry.append(el('pre', { text: JSON.stringify(detail) }));
  ui.eventLog.append(entry);
  while (ui.eventLog.childElementCount > MAX_LOG_ENTRIES) ui.eventLog.firstElementChild.remove();
  entry.scrollIntoView({ block: 'nearest' });
}

// ── the checkout element ──

function setUpCheckout() {
  if (!checkout || !customElements.get('dualpay-checkout')) {
    ui.payStatus.textContent = 'The checkout script (/dualpay.js) did not load.';
    return;
  }
  checkout.locale = locale;

  // The element would POST an empty body to session-url; the shop needs the cart, so the page
  // makes the session itself. The server prices the items; the page never sends an amount.
  checkout.createSession = async () => {
    // The locale names the items in the payment's description, which the phone shows.
    const { response, json } = await postJson('/api/checkout', { items: cartItems(), locale });
    log('shop', `POST /api/checkout → ${response.status}`, json?.id ? { id: json.id } : json);
    if (!response.ok || typeof json?.id !== 'string' || typeof json.clientSecret !== 'string') {
      throw new Error(errorText(json, response));
    }
    return { id: json.id, clientSecret: json.clientSecret };
  };

  for (const type of [
    'dualpay-status-change',
    'dualpay-settled',
    'dualpay-error',
    'dualpay-cancel',
  ]) {
    checkout.addEventListener(type, (event) => log('event', type, event.detail ?? null));
  }

  checkout.addEventListener('dualpay-status-change', (event) => {
    const { status } = event.detail;
    ui.openPhone.disabled = status !== 'awaiting-handoff';
    if (status !== 'settled') ui.payStatus.textContent = '';
    renderCart();
  });

  checkout.addEventListener('dualpay-settled', (event) => void confirmOrder(event.detail));
}

/** Hands the settlement token to the shop's server, which verifies it, then shows the order. */
async function confirmOrder({ token, orderId }) {
  if (!orderId) {
    ui.payStatus.textContent = t(locale, 'noOrderId');
    return;
  }
  ui.payStatus.textContent = t(locale, 'verifying');
  const path = `/api/orders/${encodeURIComponent(orderId)}/confirm`;
  let paid = false;
  try {
    const { response, json } = await postJson(path, { token });
    log('shop', `POST ${path} → ${response.status}`, json?.error ?? { status: json?.status });
    paid = response.ok && json?.status === 'paid';
  } catch (error) {
    log('shop', `POST ${path} failed`, { message: String(error) });
  }
  if (paid) {
    cart.clear();
    saveCart();
  } else {
    ui.payStatus.textContent = t(locale, 'confirmFailed');
  }
  // The order page shows the verified claims, or why the token was refused.
  location.assign(`/order.html?id=${encodeURIComponent(orderId)}`);
}

// ── integrator panel: buttons ──

function setUpPanel() {
  const issuer = meta('dualpay-issuer');
  byId('info-merchant').textContent = meta('dualpay-merchant');
  byId('info-issuer').textContent = issuer;
  byId('info-public').textContent = meta('dualpay-issuer-public');
  byId('tunnel-command').textContent = `cloudflared tunnel --url ${issuer}`;

  ui.enrol.addEventListener('click', async () => {
    ui.enrol.disabled = true;
    ui.enrolResult.textContent = 'Asking the issuer for an enrolment link…';
    try {
      const { response, json } = await postJson('/api/dev/enrollment', {});
      if (!response.ok) throw new Error(errorText(json, response));
      const url = new URL(json.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('Bad link.');
      // The integrator panel is English (lang="en"): its dates too, in the one English format.
      const until = formatDateTime('en', new Date(json.expiresAt));
      const link = el('a', {
        text: url.href,
        attrs: { href: url.href, target: '_blank', rel: 'noopener noreferrer' },
      });
      ui.enrolResult.replaceChildren(`Enrolment link (one use, until ${until}): `, link);
      const opened = window.open(url.href, '_blank');
      if (opened) opened.opener = null;
      else ui.enrolResult.append(' The browser blocked the new tab: follow the link.');
    } catch (error) {
      ui.enrolResult.textContent = `No enrolment link: ${error.message}`;
    } finally {
      ui.enrol.disabled = false;
    }
  });

  ui.openPhone.addEventListener('click', () => {
    // The element has no API for the hand-off URL; its QR code carries it in data-url.
    const url = checkout?.shadowRoot?.querySelector('[part=qr]')?.dataset.url;
    if (!url) {
      ui.phoneStatus.textContent = 'No QR code on screen right now: start a payment first.';
      return;
    }
    const opened = window.open(url, '_blank');
    if (opened) opened.opener = null;
    ui.phoneStatus.textContent = `Opened ${url}`;
  });

  ui.clearLog.addEventListener('click', () => ui.eventLog.replaceChildren());
}

// ── language ──

function setLocale(next) {
  locale = LOCALES.includes(next) ? next : 'en';
  saveLocale(locale);
  ui.locale.value = locale;
  applyLocale(locale);
  if (checkout) checkout.locale = locale;
  renderProducts();
  renderCart();
}

// ── start ──

async function loadProducts() {
  try {
    const response = await fetch('/api/products');
    const json = await response.json();
    if (!response.ok || !Array.isArray(json?.products)) throw new Error(`HTTP ${response.status}`);
    products = json.products;
    for (const id of cart.keys())
      if (!products.some((product) => product.id === id)) cart.delete(id);
    ui.menuStatus.hidden = true;
  } catch {
    ui.menuStatus.removeAttribute('data-i18n');
    ui.menuStatus.textContent = t(locale, 'menuError');
  }
  renderProducts();
  renderCart();
}

ui.locale.addEventListener('change', () => setLocale(ui.locale.value));
setUpCheckout();
setUpPanel();
setLocale(locale);
await loadProducts();
