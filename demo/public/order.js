/**
 * The order page (`order.html?id=<orderId>`): the order as the shop's server knows it, with the
 * claims of the verified settlement token, or why the token was refused. Data is set as text.
 */
import { applyLocale, formatDateTime, formatKrw, initialLocale, t } from './i18n.js';

const ORDER_ID = /^ord_[A-Za-z0-9_-]{16}$/;
/** While the order is pending, ask again this often, this many times. */
const POLL_MS = 3000;
const POLL_TIMES = 10;

const byId = (id) => document.getElementById(id);
const locale = initialLocale();
applyLocale(locale);

const orderId = new URLSearchParams(location.search).get('id') ?? '';
const statusLine = byId('order-status');
const refresh = byId('refresh');
let polls = 0;

function show(id, visible) {
  byId(id).hidden = !visible;
}

function setStatus(text, kind = '') {
  statusLine.removeAttribute('data-i18n');
  statusLine.textContent = text;
  statusLine.className = `order-status ${kind}`.trim();
}

/** A claim's time (seconds since the epoch) as a `<time>`: the phone's format, ISO in `datetime`. */
function timeOf(seconds) {
  if (typeof seconds !== 'number') return '—';
  const date = new Date(seconds * 1000);
  const time = document.createElement('time');
  time.dateTime = date.toISOString();
  time.textContent = formatDateTime(locale, date);
  return time;
}

/** An order line's product, named in the page's language. */
const lineName = (line) => (locale === 'ko' && line.nameKo ? line.nameKo : line.name);

/** The claims worth showing, in order, each as [label key, text]. */
function claimRows(claims) {
  return [
    ['claim_amount', typeof claims.amount === 'number' ? formatKrw(claims.amount) : '—'],
    ['claim_currency', claims.currency],
    ['claim_orderId', claims.orderId],
    ['claim_sub', claims.sub],
    ['claim_jti', claims.jti],
    ['claim_amr', Array.isArray(claims.amr) ? claims.amr.join(', ') : '—'],
    ['claim_iss', claims.iss],
    ['claim_aud', Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud],
    ['claim_iat', timeOf(claims.iat)],
    ['claim_exp', timeOf(claims.exp)],
    ['claim_txn', claims.txn],
  ];
}

function render(order) {
  byId('order-id').textContent = order.id;
  const failed = order.status === 'pending' && order.verificationError;
  setStatus(
    t(
      locale,
      failed
        ? 'status_rejected'
        : order.status === 'paid' && order.paidVia === 'webhook'
          ? 'status_paid_webhook'
          : `status_${order.status}`,
    ),
    order.status === 'paid' ? 'ok' : order.status === 'pending' && !failed ? '' : 'bad',
  );

  byId('item-lines').replaceChildren(
    ...order.items.map((line) => {
      const item = document.createElement('li');
      item.className = 'cart-line';
      const name = document.createElement('span');
      name.className = 'product-name';
      name.textContent = `${line.qty} × ${lineName(line)}`;
      const amount = document.createElement('span');
      amount.className = 'line-total';
      amount.textContent = formatKrw(line.amount);
      item.append(name, amount);
      return item;
    }),
  );
  byId('order-total').textContent = formatKrw(order.amount);
  show('order-items', true);

  if (order.claims) {
    byId('claim-list').replaceChildren(
      ...claimRows(order.claims).flatMap(([key, value]) => {
        const term = document.createElement('dt');
        term.textContent = t(locale, key);
        const detail = document.createElement('dd');
        if (value instanceof Node) detail.append(value);
        else detail.textContent = value === undefined || value === null ? '—' : String(value);
        if (!['claim_amount', 'claim_iat', 'claim_exp'].includes(key)) detail.className = 'mono';
        return [term, detail];
      }),
    );
  }
  show('claims', Boolean(order.claims));

  if (order.verificationError && order.status !== 'paid') {
    byId('error-code').textContent = order.verificationError.code;
    byId('error-message').textContent = order.verificationError.message;
  }
  show('verification-error', Boolean(order.verificationError) && order.status !== 'paid');
  refresh.hidden = order.status !== 'pending';

  // A pending order may yet be paid (the shop asks the issuer): look again a few times.
  if (order.status === 'pending' && !order.verificationError && polls < POLL_TIMES) {
    polls += 1;
    setTimeout(load, POLL_MS);
  }
}

async function load() {
  if (!ORDER_ID.test(orderId)) {
    setStatus(t(locale, 'orderNotFound'), 'bad');
    return;
  }
  try {
    const response = await fetch(`/api/orders/${encodeURIComponent(orderId)}`);
    const json = await response.json().catch(() => null);
    if (response.status === 404) {
      setStatus(t(locale, 'orderNotFound'), 'bad');
      return;
    }
    if (!response.ok || !json) throw new Error(`HTTP ${response.status}`);
    render(json);
  } catch {
    setStatus(t(locale, 'orderLoadError'), 'bad');
    refresh.hidden = false;
  }
}

refresh.addEventListener('click', () => {
  polls = 0;
  void load();
});
await load();
