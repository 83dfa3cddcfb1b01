/**
 * Input validation of every endpoint of docs/protocol.md: bodies, fields, path parameters, query
 * strings and headers. Bad input gets a 4xx with a documented code (src/protocol/errors.ts), never
 * a 5xx, and writes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ERROR_CODES,
  httpStatusFor,
  isApiErrorBody,
  isErrorCode,
  type ErrorCode,
  type Session,
} from '../../src/protocol/index.js';
import { DEMO, type SqliteStore } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from './support/harness.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
/** Every table a request could write (the audit log is left out: it records refusals too). */
const TABLES = [
  'merchants',
  'accounts',
  'enrollments',
  'cards',
  'sessions',
  'handoffs',
  'challenges',
  'ledger_entries',
  'session_events',
] as const;
const KIB = 1024;
/** Every code the issuer may answer bad input with (the table's 4xx codes). */
const ISSUER_4XX_CODES = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
  (code) => ERROR_CODES[code].status >= 400 && ERROR_CODES[code].status < 500,
);

let server: TestIssuer;
/** An open session of the demo merchant (page credentials). */
let openSession: Session;
/** A session claimed by `phone` through hand-off `code`. */
let claimed: { session: Session; code: string; bindingCode: string; phone: Phone };
/** An enrolment code with registration options already requested. */
let enrollmentCode: string;
/** A live, unclaimed hand-off code. */
let handoffCode: string;

before(async () => {
  server = await startTestIssuer({
    rateLimits: {
      claim: GENEROUS,
      userCodeClaim: GENEROUS,
      enrollment: GENEROUS,
      handoffCreate: GENEROUS,
      codeMiss: GENEROUS,
      userCodeMissGlobal: GENEROUS,
    },
  });
  openSession = await createSession(server.url);
  handoffCode = (await createHandoff(server.url, await createSession(server.url))).code;

  const phone = new Phone(server.url);
  const session = await createSession(server.url);
  const bindingCode = (await publicSession(server.url, session)).body.bindingCode;
  const code = (await createHandoff(server.url, session)).code;
  assert.equal((await phone.claim(code)).status, 200);
  claimed = { session, code, bindingCode, phone };

  const enrollment = await request<{ code: string }>(
    server.url,
    'POST',
    `/v1/accounts/${DEMO.accountId}/enrollments`,
    { token: DEMO.adminKey },
  );
  enrollmentCode = enrollment.body.code;
  const options = await phone.post(`/v1/enrollments/${enrollmentCode}/registration-options`);
  assert.equal(options.status, 200);
});

after(() => server.dispose());

// ── helpers ──

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

let keyCounter = 0;
/** A fresh Idempotency-Key. */
const freshKey = (): string => `validation-${process.pid}-${keyCounter++}`;

/**
 * Asserts a documented error answer: below 500, `{error: {code, message}}` with a known code that
 * is one of `expected`, and the status the error table gives that code.
 */
function assertError(
  result: HttpResult,
  expected: ErrorCode | readonly ErrorCode[],
  label = '',
): void {
  const codes: readonly ErrorCode[] = typeof expected === 'string' ? [expected] : expected;
  const body = JSON.stringify(result.body)?.slice(0, 160);
  assert.ok(result.status < 500, `${label}: got ${result.status} ${body}`);
  assert.ok(
    isApiErrorBody(result.body) && isErrorCode(result.body.error.code),
    `${label}: expected {error: {code, message}} with a known code, got ${result.status} ${body}`,
  );
  const code = result.body.error.code;
  assert.ok(
    codes.includes(code),
    `${label}: expected ${codes.join(' or ')}, got ${result.status} ${code}`,
  );
  assert.equal(result.status, httpStatusFor(code), `${label}: status of ${code}`);
}

function db() {
  return (server.issuer.store as SqliteStore).db;
}

/** Row counts of every table a request could write. */
function rowCounts(): Record<string, number> {
  return Object.fromEntries(
    TABLES.map((table) => [
      table,
      (db().prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    ]),
  );
}

/** The claimed session's mutable state: status, attempts, challenges, events. */
async function claimedState() {
  const record = await server.issuer.store.getSession(claimed.session.id);
  const challenges = db()
    .prepare('SELECT COUNT(*) AS n FROM challenges WHERE session_id = ?')
    .get(claimed.session.id) as { n: number };
  return {
    status: record?.status,
    failedAttempts: record?.failedAttempts,
    eventSeq: record?.eventSeq,
    challenges: challenges.n,
  };
}

/** `{...base, [field]: <raw JSON text>}` as JSON text: for values JSON.stringify cannot write. */
function withRaw(base: Record<string, unknown>, field: string, rawValue: string): string {
  const mark = '__RAW_VALUE__';
  return JSON.stringify({ ...base, [field]: mark }).replace(`"${mark}"`, rawValue);
}

/** A JSON nesting `depth` arrays deep. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** `base` as JSON text with its first field written twice (`escape`: the second with `\uXXXX`). */
function withDuplicate(base: Record<string, unknown>, escape = false): string {
  const [key = 'a', value = null] = Object.entries(base)[0] ?? [];
  const written = escape
    ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`
    : JSON.stringify(key);
  return `${JSON.stringify(base).slice(0, -1)},${written}:${JSON.stringify(value)}}`;
}

/** One character of each class security review finding 11 refuses (test/hardening/input-tricks). */
const TRICKS: readonly [string, string][] = [
  ['a C1 control (NEL)', '\u0085'],
  ['a line separator', '\u2028'],
  ['a right-to-left override', '\u202e'],
  ['a left-to-right isolate', '\u2066'],
  ['a zero-width space', '\u200b'],
  ['a zero-width joiner', '\u200d'],
  ['a byte order mark', '\ufeff'],
  ['a soft hyphen', '\u00ad'],
  ['a Hangul filler', '\u3164'],
];

/** ASCII letters, digits and spaces as their full-width forms (U+FF01…, U+3000). */
const toFullWidth = (text: string): string =>
  text.replace(/[!-~ ]/g, (char) =>
    char === ' ' ? '\u3000' : String.fromCharCode(char.charCodeAt(0) + 0xfee0),
  );

/** `invalid_request` cases with each of `TRICKS` in one field. */
function trickCases(where: string, body: (char: string) => unknown): Case[] {
  return TRICKS.map(([label, char]) => ({
    label: `${label} in ${where}`,
    body: body(char),
    code: 'invalid_request',
  }));
}

interface Case {
  label: string;
  body?: unknown;
  /** Raw body text, sent as is. */
  raw?: string;
  contentType?: string;
  code: ErrorCode | readonly ErrorCode[];
}

interface Sent {
  body?: unknown;
  raw?: string;
  contentType?: string;
}

/** An endpoint that takes a JSON body, called with valid credentials. */
interface BodyEndpoint {
  name: string;
  /** A valid body but for what a case changes (never sent as is). */
  base: () => Record<string, unknown>;
  send: (sent: Sent) => Promise<HttpResult>;
}

function sendOptions(sent: Sent, headers: Record<string, string>) {
  return {
    headers: {
      ...headers,
      ...(sent.contentType !== undefined ? { 'content-type': sent.contentType } : {}),
    },
    ...(sent.raw !== undefined ? { raw: sent.raw } : {}),
    ...(sent.body !== undefined ? { body: sent.body } : {}),
  };
}

function phoneHeaders(cookie = claimed.phone.cookie): Record<string, string> {
  return { origin: new URL(server.url).origin, cookie };
}

const validAssertion = () => ({
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  clientExtensionResults: {},
  response: {
    clientDataJSON: Buffer.from(JSON.stringify({ challenge: 'AAAA' })).toString('base64url'),
    authenticatorData: 'AAAA',
    signature: 'AAAA',
  },
});

const BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    name: 'POST /v1/merchants',
    base: () => ({ name: 'Shop', allowedOrigins: ['https://shop.example'] }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        '/v1/merchants',
        sendOptions(sent, { authorization: `Bearer ${DEMO.adminKey}` }),
      ),
  },
  {
    name: 'POST /v1/accounts',
    base: () => ({ displayName: 'Payer' }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        '/v1/accounts',
        sendOptions(sent, { authorization: `Bearer ${DEMO.adminKey}` }),
      ),
  },
  {
    name: 'POST /v1/checkout-sessions',
    base: () => ({ amount: 1500, currency: 'KRW', orderId: 'order-v', description: 'Coffee' }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        '/v1/checkout-sessions',
        sendOptions(sent, {
          authorization: `Bearer ${DEMO.secretKey}`,
          'idempotency-key': freshKey(),
        }),
      ),
  },
  {
    name: 'POST /v1/handoffs/:code/authentication-options',
    // Never sent as is; a static wrong number keeps the cases buildable before `claimed` exists.
    base: () => ({ bindingCode: '00' }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        `/v1/handoffs/${claimed.code}/authentication-options`,
        sendOptions(sent, phoneHeaders()),
      ),
  },
  {
    name: 'POST /v1/handoffs/:code/confirm',
    base: () => ({ response: validAssertion() }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        `/v1/handoffs/${claimed.code}/confirm`,
        sendOptions(sent, phoneHeaders()),
      ),
  },
  {
    name: 'POST /v1/enrollments/:code/verify',
    base: () => ({ response: {}, name: 'My key' }),
    send: (sent) =>
      request(
        server.url,
        'POST',
        `/v1/enrollments/${enrollmentCode}/verify`,
        sendOptions(sent, { origin: new URL(server.url).origin }),
      ),
  },
];

/** What a refused request must not change: row counts and the claimed session's state. */
async function snapshot() {
  return { rows: rowCounts(), claimed: await claimedState() };
}

async function assertUnchanged(before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  assert.deepEqual(await snapshot(), before, 'a refused request wrote something');
}

// ── JSON bodies, for every endpoint that takes one ──

/** Body-level cases every JSON endpoint must refuse the same way. */
function commonBodyCases(base: Record<string, unknown>): Case[] {
  return [
    { label: 'truncated JSON', raw: '{"a": ', code: 'invalid_json' },
    { label: 'single-quoted JSON', raw: "{'a': 1}", code: 'invalid_json' },
    { label: 'a trailing comma', raw: '{"a": 1,}', code: 'invalid_json' },
    { label: 'a bare NaN', raw: '{"a": NaN}', code: 'invalid_json' },
    { label: 'two JSON documents', raw: '{}{}', code: 'invalid_json' },
    { label: 'a JSON array', raw: '[]', code: 'invalid_request' },
    { label: 'an array of the valid body', body: [base], code: 'invalid_request' },
    { label: 'a JSON string', raw: '"hello"', code: 'invalid_request' },
    { label: 'a JSON number', raw: '42', code: 'invalid_request' },
    { label: 'JSON true', raw: 'true', code: 'invalid_request' },
    { label: 'JSON null', raw: 'null', code: 'invalid_request' },
    { label: 'an empty JSON body', raw: '', code: 'invalid_request' },
    { label: 'an unknown extra field', body: { ...base, unexpected: 1 }, code: 'invalid_request' },
    { label: 'a duplicate key', raw: withDuplicate(base), code: 'invalid_request' },
    {
      label: 'a duplicate key written with an escape',
      raw: withDuplicate(base, true),
      code: 'invalid_request',
    },
    {
      label: 'a __proto__ key',
      raw: withRaw(base, '__proto__', '{"polluted": true}'),
      code: 'invalid_request',
    },
    {
      label: 'a nested __proto__ key',
      raw: withRaw(base, 'unexpected', '{"a": {"__proto__": {"polluted": true}}}'),
      code: 'invalid_request',
    },
    {
      label: 'a constructor.prototype key',
      raw: withRaw(base, 'constructor', '{"prototype": {"polluted": true}}'),
      code: 'invalid_request',
    },
    {
      label: 'nesting 33 deep',
      raw: withRaw(base, 'unexpected', nested(33)),
      code: 'invalid_request',
    },
    {
      label: 'nesting 20,000 deep',
      raw: withRaw(base, 'unexpected', nested(20_000)),
      code: 'invalid_request',
    },
    {
      label: 'a body over 64 KiB',
      body: { ...base, padding: 'a'.repeat(65 * KIB) },
      code: 'payload_too_large',
    },
    {
      label: 'a 1 MiB body',
      body: { ...base, padding: 'a'.repeat(1024 * KIB) },
      code: 'payload_too_large',
    },
    {
      label: 'content type text/plain',
      raw: JSON.stringify(base),
      contentType: 'text/plain',
      code: 'unsupported_media_type',
    },
    {
      label: 'content type application/x-www-form-urlencoded',
      raw: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
      code: 'unsupported_media_type',
    },
    {
      label: 'content type multipart/form-data',
      raw: '--x\r\n\r\n--x--',
      contentType: 'multipart/form-data; boundary=x',
      code: 'unsupported_media_type',
    },
    {
      label: 'content type application/xml',
      raw: '<a/>',
      contentType: 'application/xml',
      code: 'unsupported_media_type',
    },
  ];
}

describe('JSON bodies (every endpoint that takes one)', () => {
  for (const endpoint of BODY_ENDPOINTS) {
    for (const c of commonBodyCases(endpoint.base())) {
      it(`${endpoint.name} refuses ${c.label} with ${String(c.code)}`, async () => {
        const before = await snapshot();

        const result = await endpoint.send(c);

        assertError(result, c.code, c.label);
        await assertUnchanged(before);
      });
    }
  }
});

/** Posts raw bytes as application/json (the harness sends only strings). */
async function postBytes(
  path: string,
  headers: Record<string, string>,
  bytes: Buffer,
): Promise<HttpResult> {
  const response = await fetch(new URL(path, server.url), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: new Uint8Array(bytes),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the assertion message.
  }
  return { status: response.status, body, headers: response.headers };
}

describe('JSON bodies that are not valid UTF-8', () => {
  const cases = [
    {
      name: 'POST /v1/merchants',
      path: () => '/v1/merchants',
      headers: () => ({ authorization: `Bearer ${DEMO.adminKey}` }),
      prefix: '{"allowedOrigins": ["https://shop.example"], "name": "Sh',
    },
    {
      name: 'POST /v1/accounts',
      path: () => '/v1/accounts',
      headers: () => ({ authorization: `Bearer ${DEMO.adminKey}` }),
      prefix: '{"displayName": "Pay',
    },
    {
      name: 'POST /v1/checkout-sessions',
      path: () => '/v1/checkout-sessions',
      headers: () => ({
        authorization: `Bearer ${DEMO.secretKey}`,
        'idempotency-key': freshKey(),
      }),
      prefix: '{"amount": 1500, "currency": "KRW", "orderId": "order-',
    },
    {
      name: 'POST /v1/enrollments/:code/verify',
      path: () => `/v1/enrollments/${enrollmentCode}/verify`,
      headers: () => ({ origin: new URL(server.url).origin }),
      prefix: '{"response": {}, "name": "key',
    },
  ];

  for (const c of cases) {
    it(`${c.name} refuses invalid UTF-8 in a string instead of storing U+FFFD`, async () => {
      const bytes = Buffer.concat([
        Buffer.from(c.prefix),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const before = await snapshot();

      const result = await postBytes(c.path(), c.headers(), bytes);

      assertError(result, ['invalid_json', 'invalid_request'], 'invalid UTF-8');
      await assertUnchanged(before);
    });
  }
});

// ── fields, per endpoint ──

function fieldCases(endpoint: BodyEndpoint, cases: Case[]): void {
  for (const c of cases) {
    it(`refuses ${c.label} with ${String(c.code)}`, async () => {
      const before = await snapshot();

      const result = await endpoint.send(c);

      assertError(result, c.code, c.label);
      await assertUnchanged(before);
    });
  }
}

const endpointNamed = (name: string): BodyEndpoint => {
  const found = BODY_ENDPOINTS.find((endpoint) => endpoint.name === name);
  assert.ok(found, name);
  return found;
};

describe('POST /v1/merchants fields', () => {
  const endpoint = endpointNamed('POST /v1/merchants');
  const base = endpoint.base();
  const origins = (allowedOrigins: unknown) => ({ ...base, allowedOrigins });

  fieldCases(endpoint, [
    {
      label: 'a missing name',
      body: { allowedOrigins: ['https://a.example'] },
      code: 'invalid_request',
    },
    { label: 'a numeric name', body: { ...base, name: 42 }, code: 'invalid_request' },
    { label: 'a null name', body: { ...base, name: null }, code: 'invalid_request' },
    { label: 'an empty name', body: { ...base, name: '' }, code: 'invalid_request' },
    {
      label: 'a 101-character name',
      body: { ...base, name: 'n'.repeat(101) },
      code: 'invalid_request',
    },
    { label: 'a NUL in the name', body: { ...base, name: 'Sh\u0000op' }, code: 'invalid_request' },
    {
      label: 'a line break in the name',
      body: { ...base, name: 'Sh\nop' },
      code: 'invalid_request',
    },
    {
      label: 'a lone high surrogate in the name',
      raw: withRaw(base, 'name', '"Shop\\ud800"'),
      code: 'invalid_request',
    },
    ...trickCases('the name', (char) => ({ ...base, name: `Sh${char}op` })),
    {
      label: 'the name of another merchant in full-width capitals',
      body: { ...base, name: toFullWidth(DEMO.merchantName.toUpperCase()) },
      code: 'merchant_name_taken',
    },
    {
      label: 'the name of another merchant with other spaces',
      body: { ...base, name: ` ${DEMO.merchantName.replaceAll(' ', '\u3000 ')} ` },
      code: 'merchant_name_taken',
    },
    {
      label: 'a lone low surrogate in the name',
      raw: withRaw(base, 'name', '"\\udc00Shop"'),
      code: 'invalid_request',
    },
    { label: 'missing allowedOrigins', body: { name: 'Shop' }, code: 'invalid_request' },
    {
      label: 'allowedOrigins as a string',
      body: origins('https://a.example'),
      code: 'invalid_request',
    },
    {
      label: 'allowedOrigins as an object',
      body: origins({ 0: 'https://a.example' }),
      code: 'invalid_request',
    },
    { label: 'a numeric origin', body: origins([42]), code: 'invalid_request' },
    { label: 'a null origin', body: origins([null]), code: 'invalid_request' },
    {
      label: 'an origin that is not a URL',
      body: origins(['not an origin']),
      code: 'invalid_request',
    },
    {
      label: 'an origin with a trailing slash',
      body: origins(['https://a.example/']),
      code: 'invalid_request',
    },
    {
      label: 'an origin with a path',
      body: origins(['https://a.example/shop']),
      code: 'invalid_request',
    },
    { label: 'an ftp: origin', body: origins(['ftp://a.example']), code: 'invalid_request' },
    {
      label: 'a javascript: origin',
      body: origins(['javascript:alert(1)']),
      code: 'invalid_request',
    },
    {
      label: 'an origin with credentials',
      body: origins(['https://u:p@a.example']),
      code: 'invalid_request',
    },
    {
      label: 'an origin in upper case',
      body: origins(['https://A.EXAMPLE']),
      code: 'invalid_request',
    },
    {
      label: 'an origin with its default port',
      body: origins(['https://a.example:443']),
      code: 'invalid_request',
    },
    { label: 'the origin "null"', body: origins(['null']), code: 'invalid_request' },
    {
      label: 'an origin with a NUL',
      body: origins(['https://a\u0000.example']),
      code: 'invalid_request',
    },
    {
      label: 'a 250-character origin',
      body: origins([`https://${'a'.repeat(230)}.example`]),
      code: 'invalid_request',
    },
    {
      label: '21 origins',
      body: origins(Array.from({ length: 21 }, (_, i) => `https://s${i}.example`)),
      code: 'invalid_request',
    },
    { label: 'an unknown mode', body: { ...base, mode: 'prod' }, code: 'invalid_request' },
    { label: 'an upper-case mode', body: { ...base, mode: 'TEST' }, code: 'invalid_request' },
    { label: 'a numeric mode', body: { ...base, mode: 1 }, code: 'invalid_request' },
    { label: 'a null mode', body: { ...base, mode: null }, code: 'invalid_request' },
    { label: 'a chosen id', body: { ...base, id: 'm_mine' }, code: 'invalid_request' },
    {
      label: 'a chosen secret key',
      body: { ...base, secretKey: 'sk_test_mine' },
      code: 'invalid_request',
    },
    {
      label: 'a snake_case field',
      body: { name: 'Shop', allowed_origins: [] },
      code: 'invalid_request',
    },
  ]);

  it('accepts a valid merchant (control)', async () => {
    const result = await endpoint.send({ body: { ...base, mode: 'live' } });

    assert.equal(result.status, 201);
  });
});

describe('POST /v1/accounts fields', () => {
  const endpoint = endpointNamed('POST /v1/accounts');
  const base = endpoint.base();

  fieldCases(endpoint, [
    { label: 'a missing displayName', body: { currency: 'KRW' }, code: 'invalid_request' },
    { label: 'a numeric displayName', body: { displayName: 42 }, code: 'invalid_request' },
    { label: 'an empty displayName', body: { displayName: '' }, code: 'invalid_request' },
    {
      label: 'a 101-character displayName',
      body: { displayName: 'd'.repeat(101) },
      code: 'invalid_request',
    },
    {
      label: 'a BEL in displayName',
      body: { displayName: 'Pay\u0007er' },
      code: 'invalid_request',
    },
    {
      label: 'a lone surrogate in displayName',
      raw: withRaw(base, 'displayName', '"\\ud800"'),
      code: 'invalid_request',
    },
    ...trickCases('displayName', (char) => ({ displayName: `Pay${char}er` })),
    {
      label: 'a negative monthlyLimit',
      body: { ...base, monthlyLimit: -1 },
      code: 'invalid_request',
    },
    {
      label: 'a fractional monthlyLimit',
      body: { ...base, monthlyLimit: 1.5 },
      code: 'invalid_request',
    },
    {
      label: 'a string monthlyLimit',
      body: { ...base, monthlyLimit: '1000' },
      code: 'invalid_request',
    },
    {
      label: 'a null monthlyLimit',
      body: { ...base, monthlyLimit: null },
      code: 'invalid_request',
    },
    {
      label: 'a boolean monthlyLimit',
      body: { ...base, monthlyLimit: true },
      code: 'invalid_request',
    },
    {
      label: 'a monthlyLimit of 2^53',
      body: { ...base, monthlyLimit: 2 ** 53 },
      code: 'invalid_request',
    },
    {
      label: 'an infinite monthlyLimit (1e400)',
      raw: withRaw(base, 'monthlyLimit', '1e400'),
      code: 'invalid_request',
    },
    {
      label: 'a lower-case currency',
      body: { ...base, currency: 'krw' },
      code: 'unsupported_currency',
    },
    {
      label: 'an unknown currency',
      body: { ...base, currency: 'XXX' },
      code: 'unsupported_currency',
    },
    {
      label: 'the currency "__proto__"',
      body: { ...base, currency: '__proto__' },
      code: 'unsupported_currency',
    },
    {
      label: 'the currency "toString"',
      body: { ...base, currency: 'toString' },
      code: 'unsupported_currency',
    },
    {
      label: 'a currency with a NUL',
      body: { ...base, currency: 'KRW\u0000' },
      code: 'unsupported_currency',
    },
    {
      label: 'a numeric currency',
      body: { ...base, currency: 410 },
      code: ['invalid_request', 'unsupported_currency'],
    },
    {
      label: 'a null currency',
      body: { ...base, currency: null },
      code: ['invalid_request', 'unsupported_currency'],
    },
    {
      label: 'a currency array',
      body: { ...base, currency: ['KRW'] },
      code: ['invalid_request', 'unsupported_currency'],
    },
    {
      label: 'a currency without a default limit and no monthlyLimit',
      body: { ...base, currency: 'BHD' },
      code: 'invalid_request',
    },
    { label: 'a chosen id', body: { ...base, id: 'acct_mine' }, code: 'invalid_request' },
    {
      label: 'a chosen userHandle',
      body: { ...base, userHandle: 'AAAA' },
      code: 'invalid_request',
    },
  ]);

  it('accepts a zero monthlyLimit in USD (control)', async () => {
    const result = await endpoint.send({ body: { ...base, monthlyLimit: 0, currency: 'USD' } });

    assert.equal(result.status, 201);
  });
});

describe('POST /v1/checkout-sessions fields', () => {
  const endpoint = endpointNamed('POST /v1/checkout-sessions');
  const base = endpoint.base();
  const amount = (value: unknown) => ({ ...base, amount: value });
  const rawAmount = (text: string) => withRaw(base, 'amount', text);
  const currency = (value: unknown) => ({ ...base, currency: value });
  const metadata = (value: unknown) => ({ ...base, metadata: value });
  const { amount: _amount, ...withoutAmount } = base;
  const { currency: _currency, ...withoutCurrency } = base;
  const { orderId: _orderId, ...withoutOrderId } = base;

  describe('amount', () => {
    fieldCases(endpoint, [
      { label: 'a negative amount', body: amount(-1), code: 'invalid_amount' },
      {
        label: 'the most negative safe amount',
        body: amount(-Number.MAX_SAFE_INTEGER),
        code: 'invalid_amount',
      },
      { label: 'a zero amount', body: amount(0), code: 'invalid_amount' },
      { label: 'a negative zero amount', raw: rawAmount('-0'), code: 'invalid_amount' },
      { label: 'a fractional amount', body: amount(1.5), code: 'invalid_amount' },
      { label: 'an amount below one', body: amount(0.5), code: 'invalid_amount' },
      {
        label: 'an amount with a tiny fraction',
        raw: rawAmount('1500.0001'),
        code: 'invalid_amount',
      },
      { label: 'an amount of 2^53', body: amount(2 ** 53), code: 'invalid_amount' },
      {
        label: 'an amount of 2^53 + 1 as text',
        raw: rawAmount('9007199254740993'),
        code: 'invalid_amount',
      },
      {
        label: 'an amount of 2^64',
        raw: rawAmount('18446744073709551616'),
        code: 'invalid_amount',
      },
      { label: 'an amount of 1e21', raw: rawAmount('1e21'), code: 'invalid_amount' },
      { label: 'an infinite amount (1e400)', raw: rawAmount('1e400'), code: 'invalid_amount' },
      {
        label: 'a negative infinite amount (-1e400)',
        raw: rawAmount('-1e400'),
        code: 'invalid_amount',
      },
      { label: 'a string amount', body: amount('1500'), code: 'invalid_amount' },
      { label: 'the string "NaN"', body: amount('NaN'), code: 'invalid_amount' },
      { label: 'the string "Infinity"', body: amount('Infinity'), code: 'invalid_amount' },
      { label: 'a null amount', body: amount(null), code: 'invalid_amount' },
      { label: 'a boolean amount', body: amount(true), code: 'invalid_amount' },
      { label: 'an array amount', body: amount([1500]), code: 'invalid_amount' },
      { label: 'an object amount', body: amount({ value: 1500 }), code: 'invalid_amount' },
      {
        label: 'a missing amount',
        body: withoutAmount,
        code: ['invalid_amount', 'invalid_request'],
      },
      { label: 'a bare NaN amount', raw: rawAmount('NaN'), code: 'invalid_json' },
      { label: 'a bare Infinity amount', raw: rawAmount('Infinity'), code: 'invalid_json' },
      { label: 'a hexadecimal amount', raw: rawAmount('0x5dc'), code: 'invalid_json' },
      { label: 'an amount with a leading zero', raw: rawAmount('01500'), code: 'invalid_json' },
      { label: 'an amount with a plus sign', raw: rawAmount('+1500'), code: 'invalid_json' },
      {
        label: 'a second, larger amount after the first',
        raw: `${JSON.stringify({ ...base, amount: 1 }).slice(0, -1)},"amount":999999}`,
        code: 'invalid_request',
      },
      {
        label: 'a second amount spelled with an escape',
        raw: `${JSON.stringify({ ...base, amount: 1 }).slice(0, -1)},"\\u0061mount":999999}`,
        code: 'invalid_request',
      },
    ]);
  });

  describe('currency', () => {
    fieldCases(endpoint, [
      { label: 'a lower-case currency', body: currency('krw'), code: 'unsupported_currency' },
      { label: 'a mixed-case currency', body: currency('Krw'), code: 'unsupported_currency' },
      { label: 'an unknown currency', body: currency('XXX'), code: 'unsupported_currency' },
      { label: 'a four-letter currency', body: currency('KRWX'), code: 'unsupported_currency' },
      { label: 'a two-letter currency', body: currency('KR'), code: 'unsupported_currency' },
      {
        label: 'a currency with a leading space',
        body: currency(' KRW'),
        code: 'unsupported_currency',
      },
      {
        label: 'a currency with a trailing space',
        body: currency('KRW '),
        code: 'unsupported_currency',
      },
      { label: 'an empty currency', body: currency(''), code: 'unsupported_currency' },
      { label: 'a full-width currency', body: currency('ＫＲＷ'), code: 'unsupported_currency' },
      {
        label: 'the currency "__proto__"',
        body: currency('__proto__'),
        code: 'unsupported_currency',
      },
      {
        label: 'the currency "constructor"',
        body: currency('constructor'),
        code: 'unsupported_currency',
      },
      {
        label: 'the currency "hasOwnProperty"',
        body: currency('hasOwnProperty'),
        code: 'unsupported_currency',
      },
      {
        label: 'a numeric currency',
        body: currency(410),
        code: ['invalid_request', 'unsupported_currency'],
      },
      {
        label: 'a null currency',
        body: currency(null),
        code: ['invalid_request', 'unsupported_currency'],
      },
      {
        label: 'a currency array',
        body: currency(['KRW']),
        code: ['invalid_request', 'unsupported_currency'],
      },
      {
        label: 'a missing currency',
        body: withoutCurrency,
        code: ['invalid_request', 'unsupported_currency'],
      },
    ]);
  });

  describe('orderId and description', () => {
    fieldCases(endpoint, [
      { label: 'a missing orderId', body: withoutOrderId, code: 'invalid_request' },
      { label: 'a numeric orderId', body: { ...base, orderId: 1001 }, code: 'invalid_request' },
      { label: 'a null orderId', body: { ...base, orderId: null }, code: 'invalid_request' },
      { label: 'an object orderId', body: { ...base, orderId: {} }, code: 'invalid_request' },
      { label: 'an empty orderId', body: { ...base, orderId: '' }, code: 'invalid_request' },
      {
        label: 'a 129-character orderId',
        body: { ...base, orderId: 'o'.repeat(129) },
        code: 'invalid_request',
      },
      {
        label: 'a NUL in the orderId',
        body: { ...base, orderId: 'order\u0000' },
        code: 'invalid_request',
      },
      {
        label: 'a tab in the orderId',
        body: { ...base, orderId: 'or\tder' },
        code: 'invalid_request',
      },
      {
        label: 'a line break in the orderId',
        body: { ...base, orderId: 'or\nder' },
        code: 'invalid_request',
      },
      {
        label: 'a DEL in the orderId',
        body: { ...base, orderId: 'order\u007f' },
        code: 'invalid_request',
      },
      {
        label: 'an ANSI escape in the orderId',
        body: { ...base, orderId: 'order\u001b[31m' },
        code: 'invalid_request',
      },
      {
        label: 'a lone high surrogate orderId',
        raw: withRaw(base, 'orderId', '"\\ud800"'),
        code: 'invalid_request',
      },
      {
        label: 'a lone low surrogate orderId',
        raw: withRaw(base, 'orderId', '"\\udfff"'),
        code: 'invalid_request',
      },
      {
        label: 'a trailing lone surrogate in the orderId',
        raw: withRaw(base, 'orderId', '"order\\ud83d"'),
        code: 'invalid_request',
      },
      {
        label: 'a numeric description',
        body: { ...base, description: 42 },
        code: 'invalid_request',
      },
      {
        label: 'a null description',
        body: { ...base, description: null },
        code: 'invalid_request',
      },
      {
        label: 'an array description',
        body: { ...base, description: ['Coffee'] },
        code: 'invalid_request',
      },
      {
        label: 'a 501-character description',
        body: { ...base, description: 'd'.repeat(501) },
        code: 'invalid_request',
      },
      {
        label: 'a NUL in the description',
        body: { ...base, description: 'Cof\u0000fee' },
        code: 'invalid_request',
      },
      {
        label: 'a backspace in the description',
        body: { ...base, description: 'Cof\u0008fee' },
        code: 'invalid_request',
      },
      {
        label: 'a lone surrogate in the description',
        raw: withRaw(base, 'description', '"Coffee \\ud800"'),
        code: 'invalid_request',
      },
      ...trickCases('the orderId', (char) => ({ ...base, orderId: `order${char}1` })),
      ...trickCases('the description', (char) => ({ ...base, description: `Cof${char}fee` })),
      {
        label: 'a vertical tab in the description',
        body: { ...base, description: 'Cof\u000bfee' },
        code: 'invalid_request',
      },
    ]);
  });

  describe('metadata', () => {
    fieldCases(endpoint, [
      { label: 'string metadata', body: metadata('x'), code: 'invalid_request' },
      { label: 'array metadata', body: metadata(['x']), code: 'invalid_request' },
      { label: 'null metadata', body: metadata(null), code: 'invalid_request' },
      { label: 'numeric metadata', body: metadata(42), code: 'invalid_request' },
      { label: 'a numeric metadata value', body: metadata({ a: 1 }), code: 'invalid_request' },
      { label: 'a null metadata value', body: metadata({ a: null }), code: 'invalid_request' },
      {
        label: 'a nested metadata value',
        body: metadata({ a: { b: 'c' } }),
        code: 'invalid_request',
      },
      {
        label: '21 metadata keys',
        body: metadata(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))),
        code: 'invalid_request',
      },
      {
        label: 'a metadata key with a space',
        body: metadata({ 'bad key': 'v' }),
        code: 'invalid_request',
      },
      {
        label: 'a 41-character metadata key',
        body: metadata({ ['k'.repeat(41)]: 'v' }),
        code: 'invalid_request',
      },
      { label: 'an empty metadata key', body: metadata({ '': 'v' }), code: 'invalid_request' },
      { label: 'a non-ASCII metadata key', body: metadata({ ключ: 'v' }), code: 'invalid_request' },
      {
        label: 'a 501-character metadata value',
        body: metadata({ a: 'v'.repeat(501) }),
        code: 'invalid_request',
      },
      {
        label: 'a NUL in a metadata value',
        body: metadata({ a: 'v\u0000' }),
        code: 'invalid_request',
      },
      {
        label: 'a lone surrogate in a metadata value',
        raw: withRaw(base, 'metadata', '{"a": "\\ud800"}'),
        code: 'invalid_request',
      },
      {
        label: 'a __proto__ metadata key',
        raw: withRaw(base, 'metadata', '{"__proto__": "v"}'),
        code: 'invalid_request',
      },
      {
        label: 'a duplicate metadata key',
        raw: withRaw(base, 'metadata', '{"a": "1", "b": "2", "a": "3"}'),
        code: 'invalid_request',
      },
      {
        label: 'a duplicate metadata key written with an escape',
        raw: withRaw(base, 'metadata', '{"ref": "1", "r\\u0065f": "2"}'),
        code: 'invalid_request',
      },
      ...trickCases('a metadata key', (char) => metadata({ [`ref${char}`]: 'v' })),
      ...trickCases('a metadata value', (char) => metadata({ ref: `v${char}` })),
    ]);
  });

  describe('unknown fields', () => {
    fieldCases(endpoint, [
      {
        label: 'a misspelt field (ammount)',
        body: { ...withoutAmount, ammount: 1500 },
        code: 'invalid_request',
      },
      {
        label: 'a chosen merchantId',
        body: { ...base, merchantId: 'm_other' },
        code: 'invalid_request',
      },
      { label: 'a chosen status', body: { ...base, status: 'settled' }, code: 'invalid_request' },
      {
        label: 'a chosen clientSecret',
        body: { ...base, clientSecret: 'x' },
        code: 'invalid_request',
      },
      { label: 'a chosen id', body: { ...base, id: 'cs_mine' }, code: 'invalid_request' },
    ]);
  });

  describe('Idempotency-Key header', () => {
    const send = (key: string | undefined, body: unknown = base) =>
      request(server.url, 'POST', '/v1/checkout-sessions', {
        token: DEMO.secretKey,
        headers: key === undefined ? {} : { 'idempotency-key': key },
        body,
      });
    const cases: { label: string; key: string | undefined; code: ErrorCode }[] = [
      { label: 'a missing key', key: undefined, code: 'idempotency_key_required' },
      { label: 'an empty key', key: '', code: 'idempotency_key_required' },
      { label: 'a 256-character key', key: 'k'.repeat(256), code: 'invalid_request' },
      { label: 'a key with a space', key: 'my key', code: 'invalid_request' },
      { label: 'a key with a non-ASCII byte', key: 'cl\u00e9', code: 'invalid_request' },
    ];

    for (const c of cases) {
      it(`refuses ${c.label} with ${c.code}`, async () => {
        const before = await snapshot();

        const result = await send(c.key);

        assertError(result, c.code, c.label);
        await assertUnchanged(before);
      });
    }

    it('refuses the key reused with another body with idempotency_conflict and writes nothing', async () => {
      const key = freshKey();
      const first = await send(key);
      const rows = rowCounts();

      const second = await send(key, { ...base, amount: 9999 });

      assert.equal(first.status, 201);
      assertError(second, 'idempotency_conflict');
      assert.deepEqual(rowCounts(), rows);
    });

    it('accepts a 255-character key (control)', async () => {
      const result = await send(`${'k'.repeat(251)}${String(keyCounter++).padStart(4, '0')}`);

      assert.equal(result.status, 201);
    });
  });

  it('accepts the boundary amounts 1 and 2^53 - 1 (control)', async () => {
    const one = await endpoint.send({ body: { ...base, amount: 1, currency: 'USD' } });
    const max = await endpoint.send({ body: { ...base, amount: Number.MAX_SAFE_INTEGER } });

    assert.equal(one.status, 201);
    assert.equal(max.status, 201);
    assert.equal((max.body as Session).amount, Number.MAX_SAFE_INTEGER);
  });

  it('accepts a multi-line description and string metadata (control)', async () => {
    const result = await endpoint.send({
      body: {
        ...base,
        description: 'Coffee\r\n\tand cake \u2615\ufe0f',
        metadata: { 'cart.id': 'c-1', note: '' },
      },
    });

    assert.equal(result.status, 201);
  });
});

describe('POST /v1/handoffs/:code/authentication-options fields', () => {
  const endpoint = endpointNamed('POST /v1/handoffs/:code/authentication-options');

  fieldCases(endpoint, [
    { label: 'a missing bindingCode', body: {}, code: 'invalid_request' },
    { label: 'a numeric bindingCode', body: { bindingCode: 7 }, code: 'invalid_request' },
    { label: 'a null bindingCode', body: { bindingCode: null }, code: 'invalid_request' },
    { label: 'an array bindingCode', body: { bindingCode: ['07'] }, code: 'invalid_request' },
    { label: 'a one-digit bindingCode', body: { bindingCode: '7' }, code: 'invalid_request' },
    { label: 'a three-digit bindingCode', body: { bindingCode: '007' }, code: 'invalid_request' },
    { label: 'a letter bindingCode', body: { bindingCode: 'ab' }, code: 'invalid_request' },
    { label: 'a bindingCode with a space', body: { bindingCode: ' 7' }, code: 'invalid_request' },
    {
      label: 'Arabic-Indic digits',
      body: { bindingCode: '\u0660\u0667' },
      code: 'invalid_request',
    },
    { label: 'full-width digits', body: { bindingCode: '０７' }, code: 'invalid_request' },
    {
      label: 'a lone surrogate bindingCode',
      raw: '{"bindingCode": "\\ud800"}',
      code: 'invalid_request',
    },
    { label: 'a NUL bindingCode', body: { bindingCode: '0\u0000' }, code: 'invalid_request' },
    { label: 'an extra field', body: { bindingCode: '07', response: {} }, code: 'invalid_request' },
  ]);
});

describe('POST /v1/handoffs/:code/confirm fields', () => {
  const endpoint = endpointNamed('POST /v1/handoffs/:code/confirm');
  const assertion = validAssertion();
  const inner = assertion.response;
  const withResponse = (response: unknown) => ({ response });
  const withInner = (changes: Record<string, unknown>) =>
    withResponse({ ...assertion, response: { ...inner, ...changes } });
  const { clientDataJSON: _c, ...withoutClientData } = inner;
  const { authenticatorData: _a, ...withoutAuthenticatorData } = inner;
  const { signature: _s, ...withoutSignature } = inner;
  const { id: _id, ...withoutId } = assertion;
  const clientData = (text: string) => Buffer.from(text).toString('base64url');

  fieldCases(endpoint, [
    { label: 'a missing response', body: {}, code: 'invalid_request' },
    { label: 'a string response', body: withResponse('x'), code: 'invalid_request' },
    { label: 'an array response', body: withResponse([assertion]), code: 'invalid_request' },
    { label: 'a null response', body: withResponse(null), code: 'invalid_request' },
    { label: 'an empty response', body: withResponse({}), code: 'invalid_request' },
    { label: 'a lone surrogate response', raw: '{"response": "\\ud800"}', code: 'invalid_request' },
    {
      label: 'a string response.response',
      body: withResponse({ ...assertion, response: 'x' }),
      code: 'invalid_request',
    },
    {
      label: 'a missing response.id',
      body: withResponse({ ...withoutId }),
      code: 'invalid_request',
    },
    {
      label: 'a numeric response.id',
      body: withResponse({ ...assertion, id: 42 }),
      code: 'invalid_request',
    },
    {
      label: 'a response.id that is not base64url',
      body: withResponse({ ...assertion, id: 'a b+/=' }),
      code: 'invalid_request',
    },
    {
      label: 'a 1025-character response.id',
      body: withResponse({ ...assertion, id: 'A'.repeat(1025) }),
      code: 'invalid_request',
    },
    {
      label: 'a missing clientDataJSON',
      body: withResponse({ ...assertion, response: withoutClientData }),
      code: 'invalid_request',
    },
    {
      label: 'a numeric clientDataJSON',
      body: withInner({ clientDataJSON: 42 }),
      code: 'invalid_request',
    },
    {
      label: 'a clientDataJSON that is not base64url',
      body: withInner({ clientDataJSON: '!!!!' }),
      code: 'invalid_request',
    },
    {
      label: 'a one-character clientDataJSON',
      body: withInner({ clientDataJSON: 'A' }),
      code: 'invalid_request',
    },
    {
      label: 'a clientDataJSON that is not JSON',
      body: withInner({ clientDataJSON: clientData('not json') }),
      code: 'invalid_request',
    },
    {
      label: 'a clientDataJSON of null',
      body: withInner({ clientDataJSON: clientData('null') }),
      code: 'invalid_request',
    },
    {
      label: 'a clientDataJSON of an array',
      body: withInner({ clientDataJSON: clientData('[1]') }),
      code: 'invalid_request',
    },
    {
      label: 'a clientDataJSON without a challenge',
      body: withInner({ clientDataJSON: clientData('{}') }),
      code: 'invalid_request',
    },
    {
      label: 'a numeric challenge',
      body: withInner({ clientDataJSON: clientData('{"challenge":42}') }),
      code: 'invalid_request',
    },
    {
      label: 'a 600-character challenge',
      body: withInner({
        clientDataJSON: clientData(JSON.stringify({ challenge: 'c'.repeat(600) })),
      }),
      code: 'invalid_request',
    },
    {
      label: 'an 8193-character clientDataJSON',
      body: withInner({ clientDataJSON: 'A'.repeat(8193) }),
      code: 'invalid_request',
    },
    {
      label: 'a missing authenticatorData',
      body: withResponse({ ...assertion, response: withoutAuthenticatorData }),
      code: 'invalid_request',
    },
    {
      label: 'an authenticatorData that is not base64url',
      body: withInner({ authenticatorData: '+/==' }),
      code: 'invalid_request',
    },
    {
      label: 'a missing signature',
      body: withResponse({ ...assertion, response: withoutSignature }),
      code: 'invalid_request',
    },
    {
      label: 'a 1025-character signature',
      body: withInner({ signature: 'A'.repeat(1025) }),
      code: 'invalid_request',
    },
    { label: 'a numeric userHandle', body: withInner({ userHandle: 42 }), code: 'invalid_request' },
    {
      label: 'a userHandle with a NUL',
      body: withInner({ userHandle: 'AA\u0000' }),
      code: 'invalid_request',
    },
    {
      label: 'an extra top-level field',
      body: { response: assertion, bindingCode: '07' },
      code: 'invalid_request',
    },
  ]);
});

describe('POST /v1/enrollments/:code/verify fields', () => {
  const endpoint = endpointNamed('POST /v1/enrollments/:code/verify');
  const base = endpoint.base();

  fieldCases(endpoint, [
    { label: 'a missing response', body: { name: 'My key' }, code: 'invalid_request' },
    { label: 'a string response', body: { ...base, response: 'x' }, code: 'invalid_request' },
    { label: 'an array response', body: { ...base, response: [] }, code: 'invalid_request' },
    { label: 'a null response', body: { ...base, response: null }, code: 'invalid_request' },
    { label: 'a numeric response', body: { ...base, response: 42 }, code: 'invalid_request' },
    { label: 'a numeric name', body: { ...base, name: 42 }, code: 'invalid_request' },
    { label: 'a null name', body: { ...base, name: null }, code: 'invalid_request' },
    { label: 'an empty name', body: { ...base, name: '' }, code: 'invalid_request' },
    {
      label: 'a 65-character name',
      body: { ...base, name: 'n'.repeat(65) },
      code: 'invalid_request',
    },
    { label: 'a NUL in the name', body: { ...base, name: 'key\u0000' }, code: 'invalid_request' },
    {
      label: 'a line break in the name',
      body: { ...base, name: 'my\nkey' },
      code: 'invalid_request',
    },
    {
      label: 'a lone surrogate in the name',
      raw: withRaw(base, 'name', '"\\ud800"'),
      code: 'invalid_request',
    },
    ...trickCases('the name', (char) => ({ ...base, name: `key${char}` })),
    {
      label: 'an extra field',
      body: { ...base, accountId: DEMO.accountId },
      code: 'invalid_request',
    },
  ]);

  it('leaves the enrolment code live after a refused request', async () => {
    const phone = new Phone(server.url);
    const { body: enrollment } = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    const options = await phone.post(`/v1/enrollments/${enrollment.code}/registration-options`);
    const stored = () => server.issuer.store.getEnrollment(sha256Hex(enrollment.code));
    const before = await stored();

    const refused = await phone.post(`/v1/enrollments/${enrollment.code}/verify`, {
      response: 'x',
    });
    const after = await stored();
    const response = await phone.card.createCredential(options.body as never, {
      origin: phone.origin,
    });
    const verified = await phone.post(`/v1/enrollments/${enrollment.code}/verify`, { response });

    assertError(refused, 'invalid_request');
    assert.deepEqual(after, before);
    assert.equal(before?.usedAt, null);
    assert.equal(verified.status, 200);
  });
});

// ── path parameters ──

/** A well-formed hand-off or enrolment code that was never issued. */
const UNKNOWN_CODE = 'AAAAAAAAAAAAAAAAAAAAAAAA';

interface PathEndpoint {
  name: string;
  method: 'GET' | 'POST';
  /** The path with `param` (already URL-encoded) in place of the parameter. */
  path: (param: string) => string;
  /** An unknown but well-formed value of the parameter. */
  unknown: string;
  headers: () => Record<string, string>;
  body?: () => unknown;
}

const PATH_ENDPOINTS: PathEndpoint[] = [
  {
    name: 'POST /v1/accounts/:id/enrollments',
    method: 'POST',
    path: (id) => `/v1/accounts/${id}/enrollments`,
    unknown: 'acct_unknown',
    headers: () => ({ authorization: `Bearer ${DEMO.adminKey}` }),
  },
  {
    name: 'GET /v1/checkout-sessions/:id',
    method: 'GET',
    path: (id) => `/v1/checkout-sessions/${id}`,
    unknown: 'cs_unknown',
    headers: () => ({ authorization: `Bearer ${DEMO.secretKey}` }),
  },
  {
    name: 'POST /v1/checkout-sessions/:id/cancel',
    method: 'POST',
    path: (id) => `/v1/checkout-sessions/${id}/cancel`,
    unknown: 'cs_unknown',
    headers: () => ({ authorization: `Bearer ${DEMO.secretKey}` }),
  },
  {
    name: 'GET /v1/checkout-sessions/:id/public',
    method: 'GET',
    path: (id) => `/v1/checkout-sessions/${id}/public`,
    unknown: 'cs_unknown',
    headers: () => ({ authorization: `Bearer ${openSession.clientSecret}` }),
  },
  {
    name: 'POST /v1/checkout-sessions/:id/handoffs',
    method: 'POST',
    path: (id) => `/v1/checkout-sessions/${id}/handoffs`,
    unknown: 'cs_unknown',
    headers: () => ({ authorization: `Bearer ${openSession.clientSecret}` }),
  },
  {
    name: 'GET /v1/checkout-sessions/:id/events',
    method: 'GET',
    path: (id) => `/v1/checkout-sessions/${id}/events`,
    unknown: 'cs_unknown',
    headers: () => ({ authorization: `Bearer ${openSession.clientSecret}` }),
  },
  {
    name: 'POST /v1/handoffs/:code/claim',
    method: 'POST',
    path: (code) => `/v1/handoffs/${code}/claim`,
    unknown: UNKNOWN_CODE,
    headers: () => ({ origin: new URL(server.url).origin }),
  },
  {
    name: 'POST /v1/handoffs/:code/authentication-options',
    method: 'POST',
    path: (code) => `/v1/handoffs/${code}/authentication-options`,
    unknown: UNKNOWN_CODE,
    headers: () => phoneHeaders(),
    body: () => ({ bindingCode: claimed.bindingCode }),
  },
  {
    name: 'POST /v1/handoffs/:code/confirm',
    method: 'POST',
    path: (code) => `/v1/handoffs/${code}/confirm`,
    unknown: UNKNOWN_CODE,
    headers: () => phoneHeaders(),
    body: () => ({ response: validAssertion() }),
  },
  {
    name: 'POST /v1/handoffs/:code/decline',
    method: 'POST',
    path: (code) => `/v1/handoffs/${code}/decline`,
    unknown: UNKNOWN_CODE,
    headers: () => phoneHeaders(),
  },
  {
    name: 'POST /v1/enrollments/:code/registration-options',
    method: 'POST',
    path: (code) => `/v1/enrollments/${code}/registration-options`,
    unknown: UNKNOWN_CODE,
    headers: () => ({ origin: new URL(server.url).origin }),
  },
  {
    name: 'POST /v1/enrollments/:code/verify',
    method: 'POST',
    path: (code) => `/v1/enrollments/${code}/verify`,
    unknown: UNKNOWN_CODE,
    headers: () => ({ origin: new URL(server.url).origin }),
    body: () => ({ response: {} }),
  },
];

function callPath(endpoint: PathEndpoint, param: string): Promise<HttpResult> {
  const body = endpoint.body?.();
  return request(server.url, endpoint.method, endpoint.path(param), {
    headers: endpoint.headers(),
    ...(body !== undefined ? { body } : {}),
  });
}

describe('path parameters (every endpoint that takes one)', () => {
  const notFound: { label: string; param: (endpoint: PathEndpoint) => string }[] = [
    { label: 'an unknown id', param: (endpoint) => endpoint.unknown },
    { label: 'a 100-character id', param: () => 'A'.repeat(100) },
    { label: 'a percent-encoded NUL', param: () => '%00' },
    { label: 'an encoded path traversal', param: () => '..%2F..%2Fetc%2Fpasswd' },
    { label: 'an encoded emoji', param: () => '%F0%9F%92%A9' },
    { label: 'an SQL fragment', param: () => encodeURIComponent("' OR 1=1 --") },
    { label: 'the id __proto__', param: () => '__proto__' },
    { label: 'a 300-character id (beyond the router’s limit)', param: () => 'A'.repeat(300) },
  ];

  for (const endpoint of PATH_ENDPOINTS) {
    for (const c of notFound) {
      it(`${endpoint.name} answers ${c.label} with 404 not_found`, async () => {
        const before = await snapshot();

        const result = await callPath(endpoint, c.param(endpoint));

        assertError(result, 'not_found', c.label);
        await assertUnchanged(before);
      });
    }

    it(`${endpoint.name} answers malformed percent-encoding with 400 invalid_request`, async () => {
      const before = await snapshot();

      const result = await callPath(endpoint, '%E0%A4%A');

      assertError(result, 'invalid_request', 'malformed percent-encoding');
      await assertUnchanged(before);
    });
  }

  it('POST /v1/handoffs/:code/claim answers an unknown user code with 404 not_found', async () => {
    const rows = rowCounts();

    const result = await callPath(PATH_ENDPOINTS[6]!, 'BCDF-GHJK');

    assertError(result, 'not_found');
    assert.deepEqual(rowCounts(), rows);
  });
});

// ── query strings and headers ──

describe('query strings and headers', () => {
  const pagePaths = ['public', 'handoffs', 'events'].map((action) => ({
    action,
    method: action === 'handoffs' ? 'POST' : 'GET',
  }));
  const secretQueries = [
    {
      label: 'a repeated client_secret',
      query: () => `client_secret=a&client_secret=${openSession.clientSecret}`,
    },
    {
      label: 'a bracketed client_secret',
      query: () => `client_secret[x]=${openSession.clientSecret}`,
    },
    { label: 'an empty client_secret', query: () => 'client_secret=' },
    { label: 'a 513-character client_secret', query: () => `client_secret=${'a'.repeat(513)}` },
    { label: 'a NUL client_secret', query: () => 'client_secret=%00' },
    { label: 'a malformed percent-encoded client_secret', query: () => 'client_secret=%E0%A4%A' },
  ];

  for (const { action, method } of pagePaths) {
    for (const c of secretQueries) {
      it(`${method} /v1/checkout-sessions/:id/${action} refuses ${c.label} with 401`, async () => {
        const before = await snapshot();

        const result = await request(
          server.url,
          method,
          `/v1/checkout-sessions/${openSession.id}/${action}?${c.query()}`,
        );

        assertError(result, 'unauthorized', c.label);
        await assertUnchanged(before);
      });
    }
  }

  const lastEventIds = ['abc', '-1', '1e3', '99999999999', '1.5', '0x10', '\u00e9'];

  for (const lastEventId of lastEventIds) {
    it(`GET /events treats a junk Last-Event-ID ${JSON.stringify(lastEventId)} as a fresh connect`, async () => {
      const session = await createSession(server.url);
      await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
        token: DEMO.secretKey,
      });

      const header = await request<string>(
        server.url,
        'GET',
        `/v1/checkout-sessions/${session.id}/events`,
        { token: session.clientSecret, headers: { 'last-event-id': lastEventId } },
      );
      const query = await request<string>(
        server.url,
        'GET',
        `/v1/checkout-sessions/${session.id}/events?lastEventId=${encodeURIComponent(lastEventId)}`,
        { token: session.clientSecret },
      );

      for (const result of [header, query]) {
        assert.equal(result.status, 200);
        assert.match(result.body, /event: session/);
        assert.match(result.body, /"status":"cancelled"/);
      }
    });
  }

  it('GET /public ignores unknown query parameters', async () => {
    const session = await createSession(server.url);

    const result = await request(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}/public?__proto__[polluted]=1&constructor[prototype][polluted]=1`,
      { token: session.clientSecret },
    );

    assert.equal(result.status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

// ── every endpoint, hostile inputs ──

interface AnyEndpoint {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: () => Record<string, string>;
  /** The body fields it reads (none: it reads no body). */
  fields: string[];
  base?: () => Record<string, unknown>;
}

function everyEndpoint(): AnyEndpoint[] {
  const admin = () => ({ authorization: `Bearer ${DEMO.adminKey}` });
  const secret = () => ({
    authorization: `Bearer ${DEMO.secretKey}`,
    'idempotency-key': freshKey(),
  });
  const page = () => ({ authorization: `Bearer ${openSession.clientSecret}` });
  const issuerOrigin = () => ({ origin: new URL(server.url).origin });
  const s = openSession.id;
  return [
    {
      name: 'merchants',
      method: 'POST',
      path: '/v1/merchants',
      headers: admin,
      fields: ['name', 'allowedOrigins', 'mode'],
      base: () => ({ name: 'Shop', allowedOrigins: ['https://shop.example'] }),
    },
    {
      name: 'accounts',
      method: 'POST',
      path: '/v1/accounts',
      headers: admin,
      fields: ['displayName', 'monthlyLimit', 'currency'],
      base: () => ({ displayName: 'Payer' }),
    },
    {
      name: 'enrollments',
      method: 'POST',
      path: `/v1/accounts/${DEMO.accountId}/enrollments`,
      headers: admin,
      fields: [],
    },
    {
      name: 'create session',
      method: 'POST',
      path: '/v1/checkout-sessions',
      headers: secret,
      fields: ['amount', 'currency', 'orderId', 'description', 'metadata'],
      base: () => ({ amount: 1500, currency: 'KRW', orderId: 'o-1' }),
    },
    {
      name: 'get session',
      method: 'GET',
      path: `/v1/checkout-sessions/${s}`,
      headers: secret,
      fields: [],
    },
    {
      name: 'cancel',
      method: 'POST',
      path: `/v1/checkout-sessions/${s}/cancel`,
      headers: secret,
      fields: [],
    },
    {
      name: 'public',
      method: 'GET',
      path: `/v1/checkout-sessions/${s}/public`,
      headers: page,
      fields: [],
    },
    {
      name: 'handoffs',
      method: 'POST',
      path: `/v1/checkout-sessions/${s}/handoffs`,
      headers: page,
      fields: [],
    },
    {
      name: 'events',
      method: 'GET',
      path: `/v1/checkout-sessions/${s}/events`,
      headers: page,
      fields: [],
    },
    {
      name: 'claim',
      method: 'POST',
      path: `/v1/handoffs/${handoffCode}/claim`,
      headers: issuerOrigin,
      fields: [],
    },
    {
      name: 'authentication-options',
      method: 'POST',
      path: `/v1/handoffs/${claimed.code}/authentication-options`,
      headers: () => phoneHeaders(),
      fields: ['bindingCode'],
      base: () => ({ bindingCode: claimed.bindingCode }),
    },
    {
      name: 'confirm',
      method: 'POST',
      path: `/v1/handoffs/${claimed.code}/confirm`,
      headers: () => phoneHeaders(),
      fields: ['response'],
      base: () => ({ response: validAssertion() }),
    },
    {
      name: 'decline',
      method: 'POST',
      path: `/v1/handoffs/${claimed.code}/decline`,
      headers: () => phoneHeaders(),
      fields: [],
    },
    {
      name: 'registration-options',
      method: 'POST',
      path: `/v1/enrollments/${enrollmentCode}/registration-options`,
      headers: issuerOrigin,
      fields: [],
    },
    {
      name: 'verify',
      method: 'POST',
      path: `/v1/enrollments/${enrollmentCode}/verify`,
      headers: issuerOrigin,
      fields: ['response', 'name'],
      base: () => ({ response: {}, name: 'My key' }),
    },
  ];
}

/** Bodies no endpoint may accept, whether or not it reads a body. */
const PARSER_HOSTILES: Sent[] = [
  { raw: '{"a":' },
  { raw: '\u0000' },
  { raw: '{"__proto__": {"polluted": true}}' },
  { raw: '{"a": {"b": {"__proto__": {"polluted": true}}}}' },
  { raw: '{"a": 1, "a": 2}' },
  { raw: '{"a": {"b": 1, "\\u0062": 2}}' },
  { raw: nested(5_000) },
  { raw: `{"a": "${'x'.repeat(70 * KIB)}"}` },
  { raw: '{}', contentType: 'text/plain' },
  { raw: '{}', contentType: 'application/json-patch+json' },
];

/** Whole bodies no endpoint that reads a body may accept. */
const SHAPE_HOSTILES: Sent[] = [
  { raw: '[]' },
  { raw: '"x"' },
  { raw: 'null' },
  { raw: '-1' },
  { raw: 'true' },
  { raw: '{}' },
  { raw: '""' },
  { raw: '{"constructor": {"prototype": {"polluted": true}}}' },
];

/** Field values no field of any endpoint may accept (raw JSON text). */
const FIELD_HOSTILES = [
  '"\\ud800"',
  '"\\udc00x"',
  '{"$gt": ""}',
  '["x"]',
  '1e400',
  '"\\u0000"',
  '"\\u202e"',
  '"x\\u200by"',
  '"\\u0085"',
  '"\\u2028"',
  `"${'a'.repeat(10_000)}"`,
  'null',
  '-1',
  'true',
  nested(40),
];

describe('every endpoint under hostile input', () => {
  it('answers every hostile body with a documented 4xx and writes nothing', async () => {
    const rows = rowCounts();
    const state = await claimedState();
    const violations: string[] = [];
    const check = (label: string, result: HttpResult) => {
      try {
        assertError(result, ISSUER_4XX_CODES, label);
      } catch (error) {
        violations.push((error as Error).message);
      }
    };

    for (const endpoint of everyEndpoint().filter((e) => e.method === 'POST')) {
      const bodies: Sent[] = [...PARSER_HOSTILES];
      if (endpoint.base) {
        const base = endpoint.base();
        bodies.push(...SHAPE_HOSTILES);
        for (const field of endpoint.fields) {
          for (const value of FIELD_HOSTILES) bodies.push({ raw: withRaw(base, field, value) });
        }
      }
      for (const sent of bodies) {
        const result = await request(
          server.url,
          'POST',
          endpoint.path,
          sendOptions(sent, endpoint.headers()),
        );
        check(
          `${endpoint.name} ${sent.contentType ?? ''} ${(sent.raw ?? '').slice(0, 60)}`,
          result,
        );
      }
    }

    assert.deepEqual(violations, []);
    assert.deepEqual(rowCounts(), rows);
    assert.deepEqual(await claimedState(), state);
    assert.equal((await server.issuer.store.getSession(openSession.id))?.status, 'open');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('answers hostile path segments and query strings with a documented 4xx or a page', async () => {
    const rows = rowCounts();
    const violations: string[] = [];
    const segments = [
      '%00',
      '..%2F..%2Fpackage.json',
      '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      encodeURIComponent("' OR 1=1 --"),
      '__proto__',
      'constructor',
      '%F0%9F%92%A9',
      '%E0%A4%A',
      'A'.repeat(300),
    ];
    const templates: {
      method: 'GET' | 'POST';
      path: (x: string) => string;
      headers: () => Record<string, string>;
      /** Pages and public documents may answer 200 (without reflecting the input). */
      mayServe?: boolean;
    }[] = [
      ...PATH_ENDPOINTS.map((endpoint) => ({
        method: endpoint.method,
        path: endpoint.path,
        headers: endpoint.headers,
      })),
      { method: 'GET', path: (x) => `/h/${x}`, headers: () => ({}), mayServe: true },
      { method: 'GET', path: (x) => `/e/${x}`, headers: () => ({}), mayServe: true },
      { method: 'GET', path: (x) => `/assets/phone/${x}`, headers: () => ({}) },
      {
        method: 'GET',
        path: (x) => `/.well-known/jwks.json?kid=${x}`,
        headers: () => ({}),
        mayServe: true,
      },
      { method: 'GET', path: (x) => `/healthz?${x}=${x}`, headers: () => ({}), mayServe: true },
    ];

    for (const template of templates) {
      for (const segment of segments) {
        const path = template.path(segment);
        const result = await request(server.url, template.method, path, {
          headers: template.headers(),
        });
        const label = `${template.method} ${path.slice(0, 80)}`;
        if (template.mayServe && result.status === 200) {
          if (String(result.body).includes('<script>alert(1)'))
            violations.push(`${label}: reflected`);
          continue;
        }
        try {
          assertError(result, ISSUER_4XX_CODES, label);
        } catch (error) {
          violations.push((error as Error).message);
        }
      }
    }

    assert.deepEqual(violations, []);
    assert.deepEqual(rowCounts(), rows);
  });
});
