/**
 * Property-based hostile input for every issuer endpoint (fast-check). Each generated request
 * starts from a request the endpoint would accept and breaks one to three things: a body field, the
 * whole body, the query string, a header, a path segment, the content type or the credential.
 * Every answer must be below 500 and, when an error, a documented `{error: {code, message}}` with
 * the status the error table gives its code; afterwards the database invariants must hold and
 * `Object.prototype` must be untouched.
 *
 * Used by test/hardening/bad-input.test.ts (few runs) and the soak variant (many).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ERROR_CODES,
  isApiErrorBody,
  isErrorCode,
  type Session,
} from '../../../src/protocol/index.js';
import { DEMO, type SqliteStore } from '../../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from '../../server/support/harness.js';
import { invariantViolations } from './invariants.js';
import { rawRequest, type RawResponse } from './raw-http.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };

// ── hostile values ──

const LONE_SURROGATES = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 3 })
  .map((units) => String.fromCharCode(...units));

/** C1 controls, separators, bidirectional overrides, zero-width and other invisible characters. */
const INVISIBLES = fc.constantFrom(
  '\u202e',
  '\u202d',
  '\u2066',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200f',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u061c',
  '\u180e',
  '\u3164',
  '\u0085',
  '\u009b',
  '\u2029',
  '\u{e0041}',
  '\ufe0f\ufe0f',
);

/** Strings a validator must survive: any code point, lone surrogates, controls, look-alikes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
        LONE_SURROGATES,
        INVISIBLES,
        fc.constantFrom('\u0000', '\u0007', '\u007f', '\n', '\r\n', '\t', '\u2028'),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e400',
    '0x10',
    ' 1',
    '١٢٣',
    '１５００',
    'null',
    'undefined',
    'true',
    '__proto__',
    'constructor',
    'prototype',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '../../../etc/passwd',
    '%00',
    '${7*7}',
    '{{7*7}}',
  ),
  fc.integer({ min: 101, max: 9000 }).map((n) => 'x'.repeat(n)),
);

/** Numbers at and past the edges: 2^53, -0, 1e308, subnormals, fractions. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    2 ** 53,
    2 ** 53 + 2,
    2 ** 53 - 1,
    -(2 ** 53),
    -0,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    2 ** 31,
    2 ** 32,
    2 ** 63,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A JSON value: any JSON, hostile strings and numbers, arrays where objects go. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, [[]], [{}]),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 4 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

/** Keys that break naive object handling. */
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Whole bodies as raw text or bytes. */
const hostileWholeBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  hostileValue.map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom(
    '{"__proto__": {"polluted": "yes"}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
    '{"a": {"__proto__": {"polluted": "yes"}}}',
    '[{"__proto__": {"polluted": "yes"}}]',
    '{"a":',
    '{"a": 1,}',
    "{'a': 1}",
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": 1e999}',
    '\ufeff{}',
    '{"a":"\\ud800"}',
    '{"a":1,"a":2}',
    '{"a":{"b":1,"\\u0062":2}}',
    '{"amount":1,"currency":"KRW","orderId":"o","amount":999999}',
  ),
  fc.integer({ min: 33, max: 6000 }).map((depth) => nested(depth, 'array')),
  fc.integer({ min: 33, max: 6000 }).map((depth) => nested(depth, 'object')),
  fc.constantFrom(64 * 1024 - 20, 64 * 1024 + 1, 200 * 1024).map((n) => `{"a":"${'x'.repeat(n)}"}`),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) => Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')])),
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
  ),
);

/** Header values that are valid HTTP (visible latin1, spaces) but hostile to the application. */
const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((text) =>
    // The UTF-8 bytes as latin1 characters: obs-text, without the controls HTTP forbids.
    Buffer.from(text, 'utf8')
      .toString('latin1')
      .split('')
      .filter((char) => char >= ' ' && char !== '\u007f')
      .join('')
      .slice(0, 2000),
  ),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    `Bearer ${'A'.repeat(600)}`,
    'Basic YWRtaW46YWRtaW4=',
    'bearer sk_test_demo',
    'Bearer sk_test_demo, Bearer ak_test_demo',
    '999999999999',
    '-1',
    '0',
    'null',
    'http://evil.example',
    'dualpay_phone=; dualpay_phone=x',
  ),
);

/** A path segment, percent-encoded (lone surrogates as WTF-8 bytes), or raw junk. */
function encodeSegment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const char = text[i] ?? '';
    if (/[A-Za-z0-9_.~-]/.test(char)) {
      out += char;
      continue;
    }
    let bytes: number[];
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes = [...Buffer.from(text.slice(i, i + 2), 'utf8')];
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      // WTF-8: what a lone surrogate would be if it were encoded anyway; not valid UTF-8.
      bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
    } else {
      bytes = [...Buffer.from(char, 'utf8')];
    }
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(encodeSegment),
  fc.constantFrom(
    '%',
    '%zz',
    '%E0%A4%A',
    '%C0%AE%C0%AE',
    '..',
    '.',
    '%2e%2e%2f%2e%2e%2fpackage.json',
    'A'.repeat(201),
    'A'.repeat(64),
    'cs_' + 'A'.repeat(22),
    '__proto__',
    'constructor',
    'hasOwnProperty',
  ),
);

const hostileQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('client_secret', 'lastEventId', '__proto__', 'constructor', 'a', 'a[]'),
        hostileString,
      ),
      fc.oneof(hostileString, fc.constant('')),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&'));

const HEADER_NAMES = [
  'authorization',
  'origin',
  'cookie',
  'idempotency-key',
  'last-event-id',
  'content-type',
  'accept',
  'x-forwarded-for',
  'referer',
  'user-agent',
  'access-control-request-method',
  'access-control-request-headers',
] as const;

const CONTENT_TYPES = [
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json-patch+json',
  'APPLICATION/JSON',
  'application/json;charset="utf-8"',
  '',
];

// ── endpoints ──

/** A request the endpoint would accept (before any mutation). */
interface ValidRequest {
  method: string;
  /** Path with `{0}`, `{1}` … where its parameters go. */
  template: string;
  params: string[];
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  /** Pages and public documents may answer 200 with their content. */
  mayServe?: boolean;
}

/** The state an endpoint's requests work against; fresh for every endpoint. */
interface Fixture {
  open: Session;
  handoffCode: string;
  claimed: { session: Session; code: string; bindingCode: string; phone: Phone };
  assertion: unknown;
  enrollmentCode: string;
  /** Admin-API subjects of this fixture alone (changing them touches no other fixture). */
  merchantId: string;
  accountId: string;
  cardId: string;
  adminKeyId: string;
  consoleCookie: string;
  /** A settled session of the demo merchant (refunds). */
  settledId: string;
  /** A webhook event of this fixture's merchant. */
  webhookEventId: string;
}

export const ENDPOINT_NAMES = [
  'GET /.well-known/jwks.json',
  'GET /healthz',
  'POST /v1/merchants',
  'POST /v1/accounts',
  'POST /v1/accounts/:id/enrollments',
  'POST /v1/checkout-sessions',
  'GET /v1/checkout-sessions/:id',
  'POST /v1/checkout-sessions/:id/cancel',
  'GET /v1/checkout-sessions/:id/public',
  'POST /v1/checkout-sessions/:id/handoffs',
  'GET /v1/checkout-sessions/:id/events',
  'OPTIONS /v1/checkout-sessions/:id/:action',
  'GET /h/:code',
  'GET /h',
  'GET /e/:code',
  'GET /r',
  'GET /assets/phone/:file',
  'GET /console',
  'GET /console/*',
  'GET /assets/console/:file',
  'POST /v1/handoffs/:code/claim',
  'POST /v1/handoffs/:code/authentication-options',
  'POST /v1/handoffs/:code/confirm',
  'POST /v1/handoffs/:code/decline',
  'POST /v1/enrollments/:code/registration-options',
  'POST /v1/enrollments/:code/verify',
  'POST /v1/recovery/freeze',
  'POST /v1/recovery/enrollments',
  'POST /v1/recovery/device-options',
  'POST /v1/recovery/device-enrollments',
  'GET /v1/accounts',
  'GET /v1/accounts/:id',
  'PATCH /v1/accounts/:id',
  'POST /v1/cards/:id/revoke',
  'GET /v1/merchants',
  'GET /v1/merchants/:id',
  'PATCH /v1/merchants/:id',
  'POST /v1/merchants/:id/roll-secret-key',
  'GET /v1/admin-keys',
  'POST /v1/admin-keys',
  'POST /v1/admin-keys/:id/revoke',
  'GET /v1/audit-events',
  'POST /v1/console/session',
  'GET /v1/console/session',
  'DELETE /v1/console/session',
  'POST /v1/checkout-sessions/:id/refunds',
  'POST /v1/merchants/:id/roll-webhook-secret',
  'GET /v1/merchants/:id/webhook-events',
  'POST /v1/webhook-events/:id/redeliver',
] as const;
export type EndpointName = (typeof ENDPOINT_NAMES)[number];

let keys = 0;

/** The admin API's endpoints (the operator console uses them too). */
function validAdminRequest(
  name: EndpointName,
  f: Fixture,
  issuerOrigin: string,
): ValidRequest | null {
  const admin = { authorization: `Bearer ${DEMO.adminKey}` };
  const json = { 'content-type': 'application/json' };
  const get = (template: string, params: string[] = []): ValidRequest => ({
    method: 'GET',
    template,
    params,
    headers: admin,
  });
  const post = (template: string, params: string[], body?: Record<string, unknown>) => ({
    method: 'POST',
    template,
    params,
    headers: body ? { ...admin, ...json } : admin,
    ...(body ? { body } : {}),
  });
  const console = { origin: issuerOrigin, cookie: f.consoleCookie };
  switch (name) {
    case 'GET /v1/accounts':
      return { ...get('/v1/accounts'), template: '/v1/accounts?query=payer&limit=5' };
    case 'GET /v1/accounts/:id':
      return get('/v1/accounts/{0}', [f.accountId]);
    case 'PATCH /v1/accounts/:id':
      return {
        ...post('/v1/accounts/{0}', [f.accountId], { monthlyLimit: 90_000, frozen: false }),
        method: 'PATCH',
      };
    case 'POST /v1/cards/:id/revoke':
      return post('/v1/cards/{0}/revoke', [f.cardId]);
    case 'GET /v1/merchants':
      return get('/v1/merchants');
    case 'GET /v1/merchants/:id':
      return get('/v1/merchants/{0}', [f.merchantId]);
    case 'PATCH /v1/merchants/:id':
      return {
        ...post('/v1/merchants/{0}', [f.merchantId], {
          allowedOrigins: ['https://shop.example'],
          mode: 'test',
          webhookUrl: WEBHOOK_URL,
        }),
        method: 'PATCH',
      };
    case 'POST /v1/merchants/:id/roll-secret-key':
      return post('/v1/merchants/{0}/roll-secret-key', [f.merchantId], { expiresInSeconds: 60 });
    case 'POST /v1/merchants/:id/roll-webhook-secret':
      return post('/v1/merchants/{0}/roll-webhook-secret', [f.merchantId], {
        expiresInSeconds: 60,
      });
    case 'GET /v1/merchants/:id/webhook-events':
      return {
        ...get('/v1/merchants/{0}/webhook-events', [f.merchantId]),
        template: '/v1/merchants/{0}/webhook-events?limit=5',
      };
    case 'POST /v1/webhook-events/:id/redeliver':
      return post('/v1/webhook-events/{0}/redeliver', [f.webhookEventId]);
    case 'GET /v1/admin-keys':
      return get('/v1/admin-keys');
    case 'POST /v1/admin-keys':
      return post('/v1/admin-keys', [], { label: 'fuzz desk' });
    case 'POST /v1/admin-keys/:id/revoke':
      return post('/v1/admin-keys/{0}/revoke', [f.adminKeyId]);
    case 'GET /v1/audit-events':
      return { ...get('/v1/audit-events'), template: '/v1/audit-events?action=card.&limit=5' };
    case 'POST /v1/console/session':
      return {
        method: 'POST',
        template: '/v1/console/session',
        params: [],
        headers: { origin: issuerOrigin, ...json },
        body: { adminKey: DEMO.adminKey },
      };
    case 'GET /v1/console/session':
      return { method: 'GET', template: '/v1/console/session', params: [], headers: console };
    case 'DELETE /v1/console/session':
      return { method: 'DELETE', template: '/v1/console/session', params: [], headers: console };
    default:
      return null;
  }
}

function validRequest(name: EndpointName, f: Fixture, issuerOrigin: string): ValidRequest {
  const adminRequest = validAdminRequest(name, f, issuerOrigin);
  if (adminRequest) return adminRequest;
  const admin = { authorization: `Bearer ${DEMO.adminKey}` };
  const secret = { authorization: `Bearer ${DEMO.secretKey}` };
  const page = { authorization: `Bearer ${f.open.clientSecret}` };
  const phone = { origin: issuerOrigin, cookie: f.claimed.phone.cookie };
  const json = { 'content-type': 'application/json' };
  switch (name) {
    case 'GET /.well-known/jwks.json':
      return {
        method: 'GET',
        template: '/.well-known/jwks.json',
        params: [],
        headers: {},
        mayServe: true,
      };
    case 'GET /healthz':
      return { method: 'GET', template: '/healthz', params: [], headers: {}, mayServe: true };
    case 'POST /v1/merchants':
      return {
        method: 'POST',
        template: '/v1/merchants',
        params: [],
        headers: { ...admin, ...json },
        body: { name: 'Corner Café', allowedOrigins: ['https://shop.example'], mode: 'test' },
      };
    case 'POST /v1/accounts':
      return {
        method: 'POST',
        template: '/v1/accounts',
        params: [],
        headers: { ...admin, ...json },
        body: { displayName: 'Payer', monthlyLimit: 50_000, currency: 'KRW' },
      };
    case 'POST /v1/accounts/:id/enrollments':
      return {
        method: 'POST',
        template: '/v1/accounts/{0}/enrollments',
        params: [DEMO.accountId],
        headers: admin,
      };
    case 'POST /v1/checkout-sessions':
      return {
        method: 'POST',
        template: '/v1/checkout-sessions',
        params: [],
        headers: { ...secret, ...json, 'idempotency-key': `bad-input-${process.pid}-${keys++}` },
        body: {
          amount: 1500,
          currency: 'KRW',
          orderId: 'order-1',
          description: 'Coffee',
          metadata: { cart: '42' },
        },
      };
    case 'POST /v1/checkout-sessions/:id/refunds':
      return {
        method: 'POST',
        template: '/v1/checkout-sessions/{0}/refunds',
        params: [f.settledId],
        headers: {
          ...secret,
          ...json,
          'idempotency-key': `bad-input-refund-${process.pid}-${keys++}`,
        },
        body: { amount: 10, reason: 'fuzz' },
      };
    case 'GET /v1/checkout-sessions/:id':
      return {
        method: 'GET',
        template: '/v1/checkout-sessions/{0}',
        params: [f.open.id],
        headers: secret,
      };
    case 'POST /v1/checkout-sessions/:id/cancel':
      return {
        method: 'POST',
        template: '/v1/checkout-sessions/{0}/cancel',
        params: [f.open.id],
        headers: page,
      };
    case 'GET /v1/checkout-sessions/:id/public':
      return {
        method: 'GET',
        template: '/v1/checkout-sessions/{0}/public',
        params: [f.open.id],
        headers: page,
      };
    case 'POST /v1/checkout-sessions/:id/handoffs':
      return {
        method: 'POST',
        template: '/v1/checkout-sessions/{0}/handoffs',
        params: [f.open.id],
        headers: page,
      };
    case 'GET /v1/checkout-sessions/:id/events':
      return {
        method: 'GET',
        template: '/v1/checkout-sessions/{0}/events',
        params: [f.open.id],
        headers: { ...page, 'last-event-id': '1' },
      };
    case 'OPTIONS /v1/checkout-sessions/:id/:action':
      return {
        method: 'OPTIONS',
        template: '/v1/checkout-sessions/{0}/{1}',
        params: [f.open.id, 'public'],
        headers: { origin: DEMO_SHOP_ORIGIN, 'access-control-request-method': 'GET' },
      };
    case 'GET /h/:code':
      return {
        method: 'GET',
        template: '/h/{0}',
        params: [f.handoffCode],
        headers: {},
        mayServe: true,
      };
    case 'GET /h':
      return { method: 'GET', template: '/h', params: [], headers: {}, mayServe: true };
    case 'GET /r':
      return { method: 'GET', template: '/r', params: [], headers: {}, mayServe: true };
    case 'GET /e/:code':
      return {
        method: 'GET',
        template: '/e/{0}',
        params: [f.enrollmentCode],
        headers: {},
        mayServe: true,
      };
    case 'GET /assets/phone/:file':
      return {
        method: 'GET',
        template: '/assets/phone/{0}',
        params: ['confirm.js'],
        headers: {},
        mayServe: true,
      };
    case 'GET /console':
      return { method: 'GET', template: '/console', params: [], headers: {}, mayServe: true };
    case 'GET /console/*':
      return {
        method: 'GET',
        template: '/console/accounts/{0}',
        params: ['acct_demo'],
        headers: {},
        mayServe: true,
      };
    case 'GET /assets/console/:file':
      return {
        method: 'GET',
        template: '/assets/console/{0}',
        params: ['console.js'],
        headers: {},
        mayServe: true,
      };
    case 'POST /v1/handoffs/:code/claim':
      return {
        method: 'POST',
        template: '/v1/handoffs/{0}/claim',
        params: [f.handoffCode],
        headers: { origin: issuerOrigin },
      };
    case 'POST /v1/handoffs/:code/authentication-options':
      return {
        method: 'POST',
        template: '/v1/handoffs/{0}/authentication-options',
        params: [f.claimed.code],
        headers: { ...phone, ...json },
        body: { bindingCode: f.claimed.bindingCode, credentialIds: ['AAAA'] },
      };
    case 'POST /v1/handoffs/:code/confirm':
      return {
        method: 'POST',
        template: '/v1/handoffs/{0}/confirm',
        params: [f.claimed.code],
        headers: { ...phone, ...json },
        body: { response: f.assertion },
      };
    case 'POST /v1/handoffs/:code/decline':
      return {
        method: 'POST',
        template: '/v1/handoffs/{0}/decline',
        params: [f.claimed.code],
        headers: phone,
      };
    case 'POST /v1/enrollments/:code/registration-options':
      return {
        method: 'POST',
        template: '/v1/enrollments/{0}/registration-options',
        params: [f.enrollmentCode],
        headers: { origin: issuerOrigin },
      };
    case 'POST /v1/enrollments/:code/verify':
      return {
        method: 'POST',
        template: '/v1/enrollments/{0}/verify',
        params: [f.enrollmentCode],
        headers: { origin: issuerOrigin, ...json },
        body: { response: { id: 'AAAA', response: {} }, name: 'My key' },
      };
    case 'POST /v1/recovery/freeze':
    case 'POST /v1/recovery/enrollments':
      return {
        method: 'POST',
        template: name.slice('POST '.length),
        params: [],
        headers: { origin: issuerOrigin, ...json },
        body: { recoveryCode: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' },
      };
    case 'POST /v1/recovery/device-options':
      return {
        method: 'POST',
        template: '/v1/recovery/device-options',
        params: [],
        headers: { origin: issuerOrigin, ...json },
        body: {},
      };
    case 'POST /v1/recovery/device-enrollments':
      return {
        method: 'POST',
        template: '/v1/recovery/device-enrollments',
        params: [],
        headers: { origin: issuerOrigin, ...json },
        body: { response: f.assertion },
      };
    default:
      throw new Error(`no valid request for ${name}`);
  }
}

/** A webhook URL the world's resolver maps to a public address (nothing is ever sent). */
const WEBHOOK_URL = 'https://hooks.example/dualpay';

/** The allowed origin of the demo merchant in `startTestIssuer` (its seed default). */
const DEMO_SHOP_ORIGIN = 'http://localhost:4000';

// ── mutations ──

type Mutation =
  | { kind: 'field'; field: string | null; pick: number; value: unknown }
  | { kind: 'polluting-key'; key: string; value: unknown }
  | { kind: 'duplicate-key'; pick: number; escape: boolean; value: unknown }
  | { kind: 'body'; body: string | Buffer }
  | { kind: 'wrap-array' }
  | { kind: 'query'; query: string }
  | { kind: 'header'; name: (typeof HEADER_NAMES)[number]; value: string }
  | { kind: 'drop-header'; index: number }
  | { kind: 'segment'; index: number; segment: string }
  | { kind: 'content-type'; value: string }
  | { kind: 'method'; method: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('field' as const),
      field: fc.option(hostileString, { freq: 4 }),
      pick: fc.nat(),
      value: hostileValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('polluting-key' as const),
      key: fc.constantFrom(...POLLUTING_KEYS),
      value: hostileValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('duplicate-key' as const),
      pick: fc.nat(),
      escape: fc.boolean(),
      value: hostileValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('body' as const), body: hostileWholeBody }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'wrap-array' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('query' as const), query: hostileQuery }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      name: fc.constantFrom(...HEADER_NAMES),
      value: hostileHeaderValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('drop-header' as const), index: fc.nat(5) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('segment' as const),
      index: fc.nat(1),
      segment: hostileSegment,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('method' as const),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('content-type' as const),
      value: fc.constantFrom(...CONTENT_TYPES),
    }),
  },
);

export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 3,
});

interface Built {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  /** Decoded hostile path segments, to check pages never reflect them. */
  segments: string[];
  /** The body repeats a key of one object (security review finding 10): it must be refused. */
  duplicateKey: boolean;
}

/** `key` as a JSON string with its first character written as `\uXXXX`. */
function escapeFirst(key: string): string {
  const first = `\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `"${first}${JSON.stringify(key.slice(1)).slice(1)}`;
}

/** Applies `mutations` to `valid` and returns the bytes to send. */
export function buildRequest(valid: ValidRequest, list: Mutation[]): Built {
  let headers = { ...valid.headers };
  let method = valid.method;
  const params = [...valid.params];
  const segments: string[] = [];
  let body: Record<string, unknown> | undefined = valid.body ? { ...valid.body } : undefined;
  let whole: string | Buffer | undefined;
  let wrap = false;
  const extras: [string, unknown][] = [];
  /** JSON-written keys that repeat a body key, one per `''` entry of `extras`, in order. */
  const duplicates: string[] = [];
  let query = '';
  for (const m of list) {
    switch (m.kind) {
      case 'field': {
        body ??= {};
        const fields = Object.keys(body);
        const field = m.field ?? fields[m.pick % Math.max(1, fields.length)] ?? 'x';
        body[field] = m.value;
        break;
      }
      case 'polluting-key':
        extras.push([m.key, m.value]);
        break;
      case 'duplicate-key': {
        body ??= {};
        const fields = Object.keys(body);
        const key = fields[m.pick % Math.max(1, fields.length)] ?? 'x';
        if (!(key in body)) body[key] = 1;
        duplicates.push(m.escape ? escapeFirst(key) : JSON.stringify(key));
        extras.push(['', m.value]);
        break;
      }
      case 'body':
        whole = m.body;
        break;
      case 'wrap-array':
        wrap = true;
        break;
      case 'query':
        query = query ? `${query}&${m.query}` : m.query;
        break;
      case 'header':
        headers[m.name] = m.value;
        break;
      case 'drop-header': {
        const names = Object.keys(headers);
        const name = names[m.index % Math.max(1, names.length)];
        headers = Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
        break;
      }
      case 'segment':
        if (params.length > 0) {
          const index = m.index % params.length;
          params[index] = m.segment;
          try {
            segments.push(decodeURIComponent(m.segment));
          } catch {
            segments.push(m.segment);
          }
        }
        break;
      case 'method':
        method = m.method;
        break;
      case 'content-type':
        if (m.value === '') delete headers['content-type'];
        else headers['content-type'] = m.value;
        break;
    }
  }
  let text: string | Buffer | undefined = whole;
  const writtenKey = (key: string): string =>
    key === '' ? (duplicates.shift() ?? '""') : JSON.stringify(key);
  if (text === undefined && body !== undefined) {
    let json = JSON.stringify(body) ?? '{}';
    if (extras.length > 0) {
      // Keys such as __proto__, and repeated keys, must be written as JSON text: an object literal
      // would not keep them.
      const members = extras.map(([k, v]) => `${writtenKey(k)}:${JSON.stringify(v) ?? 'null'}`);
      json =
        json === '{}' ? `{${members.join(',')}}` : `${json.slice(0, -1)},${members.join(',')}}`;
    }
    text = wrap ? `[${json}]` : json;
  } else if (text === undefined && (extras.length > 0 || wrap)) {
    const members = extras.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
    text = wrap ? `[{${members.join(',')}}]` : `{${members.join(',')}}`;
  }
  if (text !== undefined && !Object.keys(headers).includes('content-type') && whole === undefined) {
    headers['content-type'] = 'application/json';
  }
  const path = valid.template.replace(/\{(\d)\}/g, (_m, i: string) => params[Number(i)] ?? '');
  // Node refuses request heads over 16 KiB before the app sees them (bad-input.test.ts checks
  // that answer on its own); keep generated requests under it so they reach the routes.
  const target = (query ? `${path}?${query}` : path).slice(0, MAX_TARGET);
  return {
    method,
    target,
    headers,
    body: text,
    segments,
    duplicateKey: whole === undefined && list.some((m) => m.kind === 'duplicate-key'),
  };
}

/** Longest request target generated (with three 2,000-byte headers the head stays < 16 KiB). */
export const MAX_TARGET = 8000;

// ── the world and the property ──

export interface BadInputWorld {
  server: TestIssuer;
  db: SqliteStore['db'];
  /** Fresh fixture for one endpoint. */
  fixture(): Promise<Fixture>;
  close(): Promise<void>;
}

/** An issuer (rate limits out of the way) with a few settled payments already in its ledger. */
export async function startBadInputWorld(): Promise<BadInputWorld> {
  const server = await startTestIssuer({
    rateLimits: {
      claim: GENEROUS,
      userCodeClaim: GENEROUS,
      enrollment: GENEROUS,
      handoffCreate: GENEROUS,
      codeMiss: GENEROUS,
      userCodeMissGlobal: GENEROUS,
      sessionCreate: GENEROUS,
      consoleSignIn: GENEROUS,
    },
    webhookLookup: async (hostname) =>
      hostname === 'hooks.example' ? [{ address: '93.184.216.34', family: 4 }] : [],
  });
  const payer = new Phone(server.url);
  await payer.enrol();
  let settledId = '';
  for (const amount of [1500, 2500]) {
    const session = await createSession(server.url, { amount });
    const view = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    const paid = await payer.pay(handoff.code, view.body.bindingCode);
    assert.equal(paid.status, 200);
    settledId = session.id;
  }
  const db = (server.issuer.store as SqliteStore).db;
  return {
    server,
    db,
    async fixture() {
      const open = await createSession(server.url);
      const handoffCode = (await createHandoff(server.url, await createSession(server.url))).code;
      const phone = new Phone(server.url, payer.card);
      const session = await createSession(server.url);
      const bindingCode = (await publicSession(server.url, session)).body.bindingCode;
      const code = (await createHandoff(server.url, session)).code;
      assert.equal((await phone.claim(code)).status, 200);
      const options = await phone.authenticationOptions(code, bindingCode);
      assert.equal(options.status, 200);
      const assertion = await phone.assert(options.body);
      const enrollment = await request<{ code: string }>(
        server.url,
        'POST',
        `/v1/accounts/${DEMO.accountId}/enrollments`,
        { token: DEMO.adminKey },
      );
      const registration = await phone.post(
        `/v1/enrollments/${enrollment.body.code}/registration-options`,
      );
      assert.equal(registration.status, 200);
      return {
        open,
        handoffCode,
        claimed: { session, code, bindingCode, phone },
        assertion,
        enrollmentCode: enrollment.body.code,
        settledId,
        ...(await adminSubjects(server)),
      };
    },
    close: () => server.dispose(),
  };
}

/**
 * A merchant (with a webhook URL and one webhook event), an account with a card, an admin key and
 * a console session of one fixture.
 */
async function adminSubjects(server: TestIssuer) {
  const admin = { token: DEMO.adminKey };
  const tag = `${process.pid}-${keys++}`;
  const merchant = await request<{ id: string; secretKey: string }>(
    server.url,
    'POST',
    '/v1/merchants',
    { ...admin, body: { name: `Fuzz shop ${tag}`, allowedOrigins: ['https://shop.example'] } },
  );
  const hooked = await request(server.url, 'PATCH', `/v1/merchants/${merchant.body.id}`, {
    ...admin,
    body: { webhookUrl: WEBHOOK_URL },
  });
  assert.equal(hooked.status, 200);
  const ended = await createSession(server.url, {}, merchant.body.secretKey);
  await request(server.url, 'POST', `/v1/checkout-sessions/${ended.id}/cancel`, {
    token: merchant.body.secretKey,
  });
  const [event] = await server.issuer.store.listWebhookEvents({
    merchantId: merchant.body.id,
    limit: 1,
  });
  const account = await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
    ...admin,
    body: { displayName: `Fuzz payer ${tag}`, monthlyLimit: 50_000 },
  });
  const cardId = await new Phone(server.url).enrol(account.body.id);
  const adminKey = await request<{ id: string }>(server.url, 'POST', '/v1/admin-keys', {
    ...admin,
    body: { label: `fuzz ${tag}` },
  });
  const signIn = await request(server.url, 'POST', '/v1/console/session', {
    headers: { origin: new URL(server.url).origin },
    body: { adminKey: DEMO.adminKey },
  });
  assert.equal(signIn.status, 201);
  return {
    merchantId: merchant.body.id,
    webhookEventId: event?.id ?? '',
    accountId: account.body.id,
    cardId,
    adminKeyId: adminKey.body.id,
    consoleCookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
  };
}

/** Why `response` breaks the contract for hostile input, or null when it keeps it. */
export function contractBreach(
  response: RawResponse,
  built: Built,
  mayServe: boolean,
): string | null {
  if (response.status === 0) return 'no HTTP status line';
  if (response.status >= 500) return `${response.status} ${response.text.slice(0, 200)}`;
  if (built.duplicateKey && built.method === 'POST' && response.status < 400)
    return `${response.status} for a body with a duplicate key`;
  // A HEAD answer has no body to check.
  if (built.method === 'HEAD') return null;
  if (response.status < 400) {
    if (!mayServe && response.status >= 300) return `unexpected ${response.status}`;
    for (const segment of built.segments) {
      if (/[<>"']/.test(segment) && response.text.includes(segment))
        return `reflected ${JSON.stringify(segment.slice(0, 60))}`;
    }
    return null;
  }
  const body = response.json;
  if (!isApiErrorBody(body) || !isErrorCode(body.error.code))
    return `${response.status} without {error: {code, message}}: ${response.text.slice(0, 200)}`;
  const documented: number = ERROR_CODES[body.error.code].status;
  if (documented !== response.status)
    return `${response.status} ${body.error.code}, documented as ${documented}`;
  return null;
}

/**
 * Runs `numRuns` hostile requests against `name` and asserts the contract after each: a
 * documented 4xx (or the endpoint's own 2xx), the database invariants, and no prototype pollution.
 */
export async function checkEndpoint(
  world: BadInputWorld,
  name: EndpointName,
  numRuns: number,
  seed?: number,
): Promise<void> {
  const fixture = await world.fixture();
  const origin = new URL(world.server.url).origin;
  try {
    await fc.assert(
      fc.asyncProperty(mutations, async (list) => {
        const valid = validRequest(name, fixture, origin);
        const built = buildRequest(valid, list);
        const response = await rawRequest(world.server.port, {
          method: built.method,
          target: built.target,
          headers: built.headers,
          ...(built.body !== undefined ? { body: built.body } : {}),
        });
        const breach = contractBreach(response, built, valid.mayServe === true);
        assert.equal(breach, null, `${built.method} ${built.target.slice(0, 120)}: ${breach}`);
        assert.deepEqual(invariantViolations(world.db), []);
        assert.equal(
          ({} as Record<string, unknown>).polluted,
          undefined,
          'Object.prototype polluted',
        );
      }),
      { numRuns, ...(seed !== undefined ? { seed } : {}) },
    );
  } catch (error) {
    // fast-check keeps the failed assertion as `cause`; the test reporter shows only `message`.
    const cause = (error as Error).cause as Error | undefined;
    const counterexample = (error as Error).message.replace(/(x{20})x+/g, '$1…');
    throw new Error(`${cause?.message ?? ''}\n${counterexample}`.slice(0, 4000), {
      cause: error,
    });
  }
}
