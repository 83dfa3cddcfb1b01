/**
 * The dualpay demo shop: a merchant backend in plain Node (`node:http`), the way a merchant
 * integrates dualpay. It serves the shop page (demo/public/), the script-tag build of the element,
 * and a small JSON API:
 *
 *   GET  /api/products                  the menu (prices in KRW, an integer in the minor unit)
 *   POST /api/checkout                  {items:[{id, qty}], locale?: 'en'|'ko'} → an order, and a
 *                                       checkout session on the issuer (its description in that
 *                                       language) → {id, clientSecret} for the element
 *   POST /api/orders/:orderId/confirm   {token} → verifies the settlement token offline
 *                                       (dualpay/verify) and marks the order paid
 *   GET  /api/orders/:orderId           the order, its status and the verified claims
 *   POST /api/dev/enrollment            demo only: an enrolment link for the test payer's card
 *   POST /api/webhooks/dualpay          the issuer's signed webhooks (verifyWebhook from
 *                                       dualpay/verify): a settled session's token marks its
 *                                       order paid, so a shopper who closed the tab loses nothing
 *
 * The secret key stays here; the page only ever sees a session id and its client secret. The
 * total is computed here from the product list, never taken from the page, and an order is paid
 * only when a token signed by the issuer says so for exactly that order, amount and currency.
 *
 * Environment: SHOP_PORT (default 4000), ISSUER_PORT (default 4010), ISSUER_URL (where this server
 * and the shop page reach the issuer; default http://localhost:$ISSUER_PORT), ISSUER_PUBLIC_URL or
 * DEMO_PUBLIC_URL (the issuer's public origin, its tokens' `iss`; default ISSUER_URL).
 * `npm run demo` (scripts/demo.mjs) sets them and starts the issuer too (with `--dev-webhooks`, so
 * that it may POST webhooks to this loopback http server). At start the shop sets its merchant's
 * webhook URL with the demo admin key and takes the signing secret from the answer (a real merchant
 * sets the URL once, in the issuer's console, and keeps the `whsec_…` secret in its configuration).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  SettlementTokenError,
  WebhookError,
  createMemoryReplayGuard,
  verifySettlementToken,
  verifyWebhook,
} from 'dualpay/verify';

// ── configuration ──

/** The demo merchant seeded by `dualpay-issuer --seed-demo`. */
const MERCHANT_ID = 'm_demo';
const SECRET_KEY = 'sk_test_demo';
/**
 * This shop always runs in demo mode, so it may mint enrolment links for the demo payer. A real
 * merchant never holds an issuer admin key: enrolment happens at the issuer, after ID checks.
 */
const DEMO_MODE = true;
const DEMO_ADMIN_KEY = 'ak_test_demo';
const DEMO_ACCOUNT_ID = 'acct_demo';

const CURRENCY = 'KRW';
/** The menu. Prices are integers in the currency's minor unit (KRW has none: ₩4,500 is 4500). */
const PRODUCTS = [
  { id: 'coffee', name: 'Coffee', nameKo: '커피', price: 4500 },
  { id: 'croissant', name: 'Croissant', nameKo: '크루아상', price: 3800 },
  { id: 'tea', name: 'Green tea', nameKo: '녹차', price: 3000 },
  { id: 'cookie', name: 'Butter cookie', nameKo: '버터 쿠키', price: 1500 },
].map((product) => ({ ...product, currency: CURRENCY }));
const PRODUCTS_BY_ID = new Map(PRODUCTS.map((product) => [product.id, product]));

const MAX_LINES = 20;
const MAX_QTY = 99;
const MAX_BODY_BYTES = 16 * 1024;
/** Orders live in memory (a restart forgets them); the oldest go once there are this many. */
const MAX_ORDERS = 1000;
const ISSUER_TIMEOUT_MS = 10_000;
/** GET /api/orders/:id asks the issuer about a pending order at most this often. */
const RECONCILE_EVERY_MS = 2000;

function fail(message) {
  process.stderr.write(`demo shop: ${message}\n`);
  process.exit(2);
}

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) fail(`${name} must be a port number, got ${raw}`);
  return port;
}

function originFromEnv(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  let url;
  try {
    url = new URL(raw);
  } catch {
    fail(`${name} is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`${name} must be http(s): ${raw}`);
  return url.origin;
}

const SHOP_PORT = portFromEnv('SHOP_PORT', 4000);
const ISSUER_URL =
  originFromEnv('ISSUER_URL') ?? `http://localhost:${portFromEnv('ISSUER_PORT', 4010)}`;
/** The issuer's public origin: the `iss` its tokens carry (its --public-url). */
const ISSUER_PUBLIC_URL =
  originFromEnv('ISSUER_PUBLIC_URL') ?? originFromEnv('DEMO_PUBLIC_URL') ?? ISSUER_URL;
const JWKS_URL = `${ISSUER_URL}/.well-known/jwks.json`;

const PUBLIC_DIR = new URL('./public/', import.meta.url);
/** The script-tag build and its SRI hash, found through the package's own `exports` map. */
const PACKAGE_ROOT = new URL('.', import.meta.resolve('dualpay/package.json'));
const bundle = loadBundle();

function loadBundle() {
  let script;
  let integrity;
  try {
    script = readFileSync(new URL('dist/cdn/dualpay.js', PACKAGE_ROOT));
    integrity = readFileSync(new URL('dist/cdn/dualpay.js.sri', PACKAGE_ROOT), 'utf8').trim();
  } catch {
    fail('dist/cdn/dualpay.js or its .sri is missing: run `npm run build` first.');
  }
  // A stale .sri would make the browser refuse the script: catch it here, with a clear message.
  const actual = `sha384-${createHash('sha384').update(script).digest('base64')}`;
  if (actual !== integrity) fail('dist/cdn/dualpay.js.sri does not match dualpay.js: rebuild.');
  return { script, integrity };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  `connect-src 'self' ${ISSUER_URL}`,
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const COMMON_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

// ── state (in memory: this is a demo; a real shop keeps orders in its database) ──

/** @type {Map<string, Order>} order id → order */
const orders = new Map();
/** session id → order id: which order each checkout session pays for. */
const orderIdBySession = new Map();
/** Remembers the `jti` of every token accepted, so a settlement pays for one order once. */
const replayGuard = createMemoryReplayGuard();

/**
 * @typedef {object} Order
 * @property {string} id
 * @property {'pending'|'paid'|'expired'|'cancelled'|'declined'|'failed'} status
 * @property {{id: string, name: string, nameKo: string, unitPrice: number, qty: number, amount: number}[]} items
 * @property {number} amount total, in the minor unit
 * @property {string} currency
 * @property {string} description
 * @property {string} createdAt
 * @property {string|null} sessionId
 * @property {string|null} paidAt
 * @property {Record<string, unknown>|null} claims the verified settlement-token claims
 * @property {string|null} token
 * @property {{code: string, message: string}|null} verificationError the last failed verification
 * @property {'page'|'webhook'|'issuer'|null} paidVia who brought the token: the page, the issuer's
 *   webhook, or the order page asking the issuer
 * @property {{id: string, amount: number, createdAt: string}[]} refunds from `refund.succeeded`
 * @property {number} checkedAt when the issuer was last asked about this order (ms)
 * @property {Promise<unknown>} queue serialises verifications of this order
 */

// ── errors ──

/** An answer other than 2xx: `{error: {code, message}}` with `status`. */
class ShopError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const invalid = (message) => new ShopError(400, 'invalid_request', message);

// ── HTTP plumbing ──

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res, error) {
  const body = { error: { code: error.code, message: error.message } };
  const headers = error.status === 405 ? { allow: error.allow } : {};
  if (error.status === 413) headers.connection = 'close';
  sendJson(res, error.status, body, headers);
}

/** Reads a JSON object body (`application/json`, UTF-8, at most MAX_BODY_BYTES). */
async function readJsonObject(req) {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ShopError(413, 'payload_too_large', 'Body too large.');
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ShopError(413, 'payload_too_large', 'Body too large.');
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) return {};
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ShopError(400, 'invalid_json', 'The body is not valid UTF-8.');
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShopError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('The body must be a JSON object.');
  }
  return value;
}

/** Refuses fields other than `allowed` (catches typos such as `itmes`). */
function onlyFields(body, allowed) {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid(`Unknown field ${JSON.stringify(key.slice(0, 40))}.`);
  }
}

/** The hosts this server answers to: refusing others stops DNS-rebinding pages from using it. */
const allowedHosts = (port) => new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
const allowedOrigins = (port) =>
  new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]);

/**
 * POSTs must be JSON (so a cross-site form cannot send one without a CORS preflight, which this
 * server never grants) and, when the browser says where they come from, come from this shop.
 */
function checkPost(req, port) {
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin)) {
    throw new ShopError(403, 'origin_not_allowed', 'Requests must come from the shop page.');
  }
  const type = (req.headers['content-type'] ?? '').toLowerCase().replaceAll(' ', '');
  if (type !== 'application/json' && type !== 'application/json;charset=utf-8') {
    throw new ShopError(415, 'unsupported_media_type', 'Send Content-Type: application/json.');
  }
}

function methodNotAllowed(allow) {
  const error = new ShopError(405, 'method_not_allowed', `Use ${allow}.`);
  error.allow = allow;
  return error;
}

/** Calls the issuer; its refusals and its absence become 502 errors for our caller. */
async function callIssuer(path, { method = 'GET', key, headers = {}, body } = {}) {
  let answer;
  try {
    answer = await fetch(`${ISSUER_URL}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
    });
  } catch (error) {
    console.error(`demo shop: issuer ${method} ${path} failed: ${error.message}`);
    throw new ShopError(502, 'issuer_unavailable', `The issuer at ${ISSUER_URL} did not answer.`);
  }
  const json = await answer.json().catch(() => null);
  if (!answer.ok) {
    const code = typeof json?.error?.code === 'string' ? json.error.code : `http_${answer.status}`;
    console.error(`demo shop: issuer ${method} ${path} answered ${answer.status} ${code}`);
    throw new ShopError(502, 'issuer_error', `The issuer refused the request (${code}).`);
  }
  if (typeof json !== 'object' || json === null) {
    throw new ShopError(502, 'issuer_error', 'The issuer answered something unexpected.');
  }
  return json;
}

// ── the shop ──

function publicOrder(order) {
  return {
    id: order.id,
    status: order.status,
    items: order.items,
    amount: order.amount,
    currency: order.currency,
    description: order.description,
    createdAt: order.createdAt,
    sessionId: order.sessionId,
    paidAt: order.paidAt,
    paidVia: order.paidVia,
    refunds: order.refunds,
    claims: order.claims,
    verificationError: order.verificationError,
  };
}

/** Reads `{items: [{id, qty}]}` into order lines, pricing them from the menu. */
function orderLines(body) {
  onlyFields(body, ['items', 'locale']);
  const { items } = body;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_LINES) {
    throw invalid(`items must be an array of 1 to ${MAX_LINES} {id, qty}.`);
  }
  const qtyById = new Map();
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalid(`items[${index}] must be an object {id, qty}.`);
    }
    onlyFields(item, ['id', 'qty']);
    if (typeof item.id !== 'string' || !PRODUCTS_BY_ID.has(item.id)) {
      throw new ShopError(400, 'unknown_product', `items[${index}].id is not on the menu.`);
    }
    if (!Number.isInteger(item.qty) || item.qty < 1 || item.qty > MAX_QTY) {
      throw invalid(`items[${index}].qty must be an integer from 1 to ${MAX_QTY}.`);
    }
    const qty = (qtyById.get(item.id) ?? 0) + item.qty;
    if (qty > MAX_QTY) throw invalid(`At most ${MAX_QTY} of ${item.id}.`);
    qtyById.set(item.id, qty);
  }
  return [...qtyById].map(([id, qty]) => {
    const product = PRODUCTS_BY_ID.get(id);
    return {
      id,
      name: product.name,
      nameKo: product.nameKo,
      unitPrice: product.price,
      qty,
      amount: product.price * qty,
    };
  });
}

function rememberOrder(order) {
  orders.set(order.id, order);
  while (orders.size > MAX_ORDERS) {
    const [oldestId, oldest] = orders.entries().next().value;
    orders.delete(oldestId);
    if (oldest.sessionId) orderIdBySession.delete(oldest.sessionId);
  }
}

/** POST /api/checkout: prices the cart, makes the order and its checkout session. */
async function createCheckout(body) {
  const items = orderLines(body);
  if (body.locale !== undefined && body.locale !== 'en' && body.locale !== 'ko') {
    throw invalid("locale must be 'en' or 'ko'.");
  }
  const amount = items.reduce((sum, line) => sum + line.amount, 0);
  // In the shopper's language: the phone shows the description under the payee and amount.
  const description = items
    .map((line) => `${line.qty} × ${body.locale === 'ko' ? line.nameKo : line.name}`)
    .join(', ');
  /** @type {Order} */
  const order = {
    id: `ord_${randomBytes(12).toString('base64url')}`,
    status: 'pending',
    items,
    amount,
    currency: CURRENCY,
    description,
    createdAt: new Date().toISOString(),
    sessionId: null,
    paidAt: null,
    paidVia: null,
    refunds: [],
    claims: null,
    token: null,
    verificationError: null,
    checkedAt: 0,
    queue: Promise.resolve(),
  };
  // The order id is the Idempotency-Key: a retried request can never make a second session.
  const session = await callIssuer('/v1/checkout-sessions', {
    method: 'POST',
    key: SECRET_KEY,
    headers: { 'idempotency-key': order.id },
    body: { amount, currency: CURRENCY, orderId: order.id, description },
  });
  if (typeof session.id !== 'string' || typeof session.clientSecret !== 'string') {
    throw new ShopError(502, 'issuer_error', 'The issuer answered something unexpected.');
  }
  order.sessionId = session.id;
  rememberOrder(order);
  orderIdBySession.set(session.id, order.id);
  return { id: session.id, clientSecret: session.clientSecret };
}

const ORDER_ID = /^ord_[A-Za-z0-9_-]{16}$/;

function findOrder(orderId) {
  const order = ORDER_ID.test(orderId) ? orders.get(orderId) : undefined;
  if (!order) throw new ShopError(404, 'not_found', 'No such order.');
  return order;
}

/** Runs `task` after any verification of the same order still under way. */
function serialised(order, task) {
  const run = order.queue.then(task, task);
  order.queue = run.catch(() => undefined);
  return run;
}

/**
 * The HTTP status for a refused token, by its `code` (public API of dualpay/verify): a replayed
 * token is a conflict, unreachable issuer keys are the issuer's fault (retry later), the rest is a
 * token that is not good for this order.
 */
function verificationStatus(code) {
  if (code === 'token_replayed') return 409;
  if (code === 'jwks_unavailable') return 503;
  return 400;
}

/**
 * Verifies `token` for `order` and marks the order paid (`via`: who brought it). Throws a
 * ShopError when it is not.
 */
async function payWithToken(order, token, via) {
  if (order.status === 'paid') {
    if (order.token === token) return; // the same token again (a retry): already done
    throw new ShopError(409, 'order_already_paid', 'This order is already paid.');
  }
  let claims;
  try {
    claims = await verifySettlementToken(token, {
      issuer: ISSUER_PUBLIC_URL,
      audience: MERCHANT_ID,
      jwksUrl: JWKS_URL,
      expected: { orderId: order.id, amount: order.amount, currency: order.currency },
      replayGuard,
    });
  } catch (error) {
    // `invalid_options` means this file calls verify wrongly: a fault here, not a bad token.
    if (!(error instanceof SettlementTokenError) || error.code === 'invalid_options') throw error;
    if (error.code !== 'jwks_unavailable') {
      order.verificationError = { code: error.code, message: error.message };
    }
    throw new ShopError(verificationStatus(error.code), error.code, error.message);
  }
  // Defence in depth: the token must settle the very session this order created.
  if (orderIdBySession.get(claims.sub) !== order.id) {
    order.verificationError = {
      code: 'session_mismatch',
      message: 'The token settles a session this order did not create.',
    };
    throw new ShopError(409, order.verificationError.code, order.verificationError.message);
  }
  order.status = 'paid';
  order.paidAt = new Date().toISOString();
  order.paidVia = via;
  order.claims = claims;
  order.token = token;
  order.verificationError = null;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** POST /api/orders/:orderId/confirm: the page hands over the token it received. */
async function confirmOrder(order, body) {
  onlyFields(body, ['token']);
  const { token } = body;
  if (typeof token !== 'string' || token.length > 8192 || !COMPACT_JWS.test(token)) {
    throw invalid('token must be a compact JWS (the settlement token).');
  }
  await serialised(order, () => payWithToken(order, token, 'page'));
  return publicOrder(order);
}

/**
 * GET /api/orders/:orderId: while an order is pending, asks the issuer about its session (with
 * the secret key), so the order is paid even when the page closed before it sent the token.
 */
async function reconcile(order) {
  if (order.status !== 'pending' || !order.sessionId) return;
  if (Date.now() - order.checkedAt < RECONCILE_EVERY_MS) return;
  order.checkedAt = Date.now();
  let session;
  try {
    session = await callIssuer(`/v1/checkout-sessions/${encodeURIComponent(order.sessionId)}`, {
      key: SECRET_KEY,
    });
  } catch {
    return; // the issuer is away: show what we know
  }
  if (session.status === 'settled' && typeof session.settlementToken === 'string') {
    await serialised(order, () => payWithToken(order, session.settlementToken, 'issuer')).catch(
      () => undefined, // recorded in order.verificationError
    );
  } else if (['expired', 'cancelled', 'declined', 'failed'].includes(session.status)) {
    order.status = session.status;
  }
}

// ── webhooks ──

/** The merchant's webhook signing secrets (`whsec_…`), newest first; empty until configured. */
const webhookSecrets = [];
/** Whether the shop has finished setting up its webhook (healthz answers 503 until then). */
let webhooksReady = false;
const WEBHOOK_PATH = '/api/webhooks/dualpay';
const FINAL = { 'checkout.expired': 'expired', 'checkout.cancelled': 'cancelled' };
Object.assign(FINAL, { 'checkout.declined': 'declined', 'checkout.failed': 'failed' });

/** Reads the raw body (the signature covers its exact bytes), at most MAX_BODY_BYTES. */
async function readRawBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ShopError(413, 'payload_too_large', 'Body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * POST /api/webhooks/dualpay: verifies the signature (any answer but 2xx makes the issuer retry),
 * then applies the event. Deliveries are at least once: applying one twice changes nothing (the
 * same token pays an order once; a refund is kept once by its id).
 */
async function receiveWebhook(req) {
  const raw = await readRawBody(req);
  let event;
  try {
    event = verifyWebhook(raw, req.headers, webhookSecrets);
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error;
    console.error(`demo shop: webhook refused: ${error.code}`);
    throw new ShopError(400, error.code, error.message);
  }
  const data = event.data;
  const orderId = event.type === 'refund.succeeded' ? null : data.orderId;
  const order = orders.get(orderId ?? orderIdBySession.get(data.sessionId) ?? '');
  if (!order) return; // not one of ours (or forgotten by a restart): acknowledged all the same
  if (event.type === 'checkout.settled') {
    // A token that does not verify is a fault to see in the logs, not a reason to be retried.
    await serialised(order, () => payWithToken(order, data.settlementToken, 'webhook')).catch(
      (error) => console.error(`demo shop: webhook token for ${order.id}: ${error.message}`),
    );
  } else if (event.type === 'refund.succeeded') {
    if (!order.refunds.some((refund) => refund.id === data.id)) {
      order.refunds.push({ id: data.id, amount: data.amount, createdAt: data.createdAt });
    }
  } else if (FINAL[event.type] && order.status === 'pending') {
    order.status = FINAL[event.type];
  }
}

/** Sets the merchant's webhook URL to this shop and keeps a signing secret the issuer shows. */
async function setUpWebhook(port) {
  const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
  const merchantPath = `/v1/merchants/${encodeURIComponent(MERCHANT_ID)}`;
  const set = await callIssuer(merchantPath, {
    method: 'PATCH',
    key: DEMO_ADMIN_KEY,
    body: { webhookUrl: url },
  });
  // Only the first URL's answer carries the secret; after a restart of this shop, a new one.
  const secret =
    set.webhookSecret ??
    (
      await callIssuer(`${merchantPath}/roll-webhook-secret`, {
        method: 'POST',
        key: DEMO_ADMIN_KEY,
        body: { expiresInSeconds: 0 },
      })
    ).webhookSecret;
  webhookSecrets.unshift(secret);
  return url;
}

/** Tries until the issuer (started at the same time) answers; then the shop is ready either way. */
async function configureWebhooks(port) {
  if (!DEMO_MODE) return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const url = await setUpWebhook(port);
      process.stdout.write(`dualpay demo shop: webhooks to ${url}\n`);
      break;
    } catch (error) {
      if (error.code !== 'issuer_unavailable' || Date.now() > deadline) {
        process.stderr.write(
          `demo shop: no webhooks (${error.message}); is the issuer started with --dev-webhooks?\n`,
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  webhooksReady = true;
}

/** POST /api/dev/enrollment: a one-time link that enrols a card for the demo payer. */
async function createDemoEnrollment() {
  if (!DEMO_MODE) throw new ShopError(404, 'not_found', 'No such endpoint.');
  const enrollment = await callIssuer(
    `/v1/accounts/${encodeURIComponent(DEMO_ACCOUNT_ID)}/enrollments`,
    { method: 'POST', key: DEMO_ADMIN_KEY },
  );
  const { code, url, expiresAt } = enrollment;
  if (typeof code !== 'string' || typeof url !== 'string' || typeof expiresAt !== 'string') {
    throw new ShopError(502, 'issuer_error', 'The issuer answered something unexpected.');
  }
  return { code, url, expiresAt };
}

// ── static files ──

const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};
const STATIC_FILE = /^\/([a-z0-9-]+)\.(html|js|css|svg)$/;

const escapeAttribute = (value) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** HTML gets the issuer's origins and the bundle's SRI hash filled in. */
function fillTemplate(html) {
  return html
    .replaceAll('{{issuer}}', escapeAttribute(ISSUER_URL))
    .replaceAll('{{issuerPublic}}', escapeAttribute(ISSUER_PUBLIC_URL))
    .replaceAll('{{merchant}}', escapeAttribute(MERCHANT_ID))
    .replaceAll('{{integrity}}', escapeAttribute(bundle.integrity));
}

async function serveStatic(res, pathname, head) {
  if (pathname === '/dualpay.js') {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': CONTENT_TYPES.js,
      'cache-control': 'no-cache',
    });
    res.end(head ? undefined : bundle.script);
    return true;
  }
  const match = STATIC_FILE.exec(pathname === '/' ? '/index.html' : pathname);
  if (!match) return false;
  const [, name, extension] = match;
  let body;
  try {
    body = await readFile(new URL(`${name}.${extension}`, PUBLIC_DIR));
  } catch {
    return false;
  }
  if (extension === 'html') body = fillTemplate(body.toString('utf8'));
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': CONTENT_TYPES[extension],
    'cache-control': 'no-cache',
  });
  res.end(head ? undefined : body);
  return true;
}

// ── routing ──

async function route(req, res, port) {
  if (!allowedHosts(port).has(req.headers.host ?? '')) {
    throw new ShopError(421, 'misdirected_request', `Open the shop at http://localhost:${port}.`);
  }
  const { pathname } = new URL(req.url ?? '/', 'http://shop.invalid');
  const method = req.method ?? 'GET';
  const get = method === 'GET' || method === 'HEAD';

  if (pathname === '/healthz') {
    if (!get) throw methodNotAllowed('GET');
    if (!webhooksReady) return sendJson(res, 503, { status: 'starting' });
    return sendJson(res, 200, { status: 'ok', service: 'dualpay-demo-shop' });
  }
  if (pathname === WEBHOOK_PATH) {
    if (method !== 'POST') throw methodNotAllowed('POST');
    await receiveWebhook(req);
    res.writeHead(204, COMMON_HEADERS);
    return res.end();
  }
  if (pathname === '/api/products') {
    if (!get) throw methodNotAllowed('GET');
    return sendJson(res, 200, { products: PRODUCTS });
  }
  if (pathname === '/api/checkout') {
    if (method !== 'POST') throw methodNotAllowed('POST');
    checkPost(req, port);
    return sendJson(res, 201, await createCheckout(await readJsonObject(req)));
  }
  if (pathname === '/api/dev/enrollment') {
    if (method !== 'POST') throw methodNotAllowed('POST');
    checkPost(req, port);
    onlyFields(await readJsonObject(req), []);
    return sendJson(res, 201, await createDemoEnrollment());
  }
  const orderPath = /^\/api\/orders\/([^/]+)(\/confirm)?$/.exec(pathname);
  if (orderPath) {
    const [, orderId, confirm] = orderPath;
    if (confirm) {
      if (method !== 'POST') throw methodNotAllowed('POST');
      checkPost(req, port);
      const body = await readJsonObject(req);
      return sendJson(res, 200, await confirmOrder(findOrder(orderId), body));
    }
    if (!get) throw methodNotAllowed('GET');
    const order = findOrder(orderId);
    await reconcile(order);
    return sendJson(res, 200, publicOrder(order));
  }
  if (get && !pathname.startsWith('/api/') && (await serveStatic(res, pathname, method === 'HEAD')))
    return;
  throw new ShopError(404, 'not_found', 'No such page or endpoint.');
}

function answerFault(res, error) {
  if (!(error instanceof ShopError)) {
    console.error('demo shop: unexpected fault:', error);
    error = new ShopError(500, 'internal_error', 'Something went wrong in the shop.');
  }
  if (res.headersSent) res.destroy();
  else sendError(res, error);
}

// ── start and stop ──

/** Listens on loopback only, IPv4 and (where the machine has it) IPv6, like `localhost` does. */
async function listen(wantedPort) {
  const shop = { port: wantedPort, servers: [] };
  const listenOn = (host, port) =>
    new Promise((resolve, reject) => {
      const server = createServer({ requestTimeout: 30_000 }, (req, res) => {
        route(req, res, shop.port).catch((error) => answerFault(res, error));
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  shop.servers.push(await listenOn('127.0.0.1', wantedPort));
  shop.port = shop.servers[0].address().port; // SHOP_PORT=0 picks a free port
  try {
    shop.servers.push(await listenOn('::1', shop.port));
  } catch (error) {
    if (!['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(error.code)) {
      shop.servers[0].close();
      throw error;
    }
  }
  return shop;
}

let running;
try {
  running = await listen(SHOP_PORT);
} catch (error) {
  fail(`cannot listen on port ${SHOP_PORT}: ${error.code ?? error.message}`);
}
void configureWebhooks(running.port);
process.stdout.write(
  `dualpay demo shop listening on http://localhost:${running.port} ` +
    `(issuer ${ISSUER_URL}, tokens from ${ISSUER_PUBLIC_URL})\n`,
);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`dualpay demo shop: ${signal}, stopping\n`);
  let open = running.servers.length;
  for (const server of running.servers) {
    server.close(() => {
      if (--open === 0) process.exit(0);
    });
    server.closeAllConnections();
  }
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
