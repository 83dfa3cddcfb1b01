/**
 * Credentials of every endpoint of docs/protocol.md: admin key, secret key, client secret, phone
 * cookie plus the issuer's Origin. Missing, garbage and wrong-kind credentials are refused with
 * the documented status and code, and a refused request changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  isApiErrorBody,
  isErrorCode,
  type ErrorCode,
  type Handoff,
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

const SHOP_ORIGIN = 'http://localhost:4000';
const OTHER_SHOP_ORIGIN = 'https://other-shop.example';
const EVIL_ORIGIN = 'https://evil.example';
const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
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

let server: TestIssuer;
/** Secret key and id of a second merchant (allowed origin OTHER_SHOP_ORIGIN). */
let other: { id: string; secretKey: string };

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
  const created = await request<{ id: string; secretKey: string }>(
    server.url,
    'POST',
    '/v1/merchants',
    { token: DEMO.adminKey, body: { name: 'Other Shop', allowedOrigins: [OTHER_SHOP_ORIGIN] } },
  );
  assert.equal(created.status, 201);
  other = created.body;
});

after(() => server.dispose());

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Asserts the documented error answer: status, `{error: {code, message}}`, a known code. */
function assertError(result: HttpResult, status: number, code: ErrorCode, label = ''): void {
  assert.ok(
    isApiErrorBody(result.body) && isErrorCode(result.body.error.code),
    `${label}: expected an error body, got ${result.status} ${JSON.stringify(result.body)}`,
  );
  assert.deepEqual(
    { status: result.status, code: result.body.error.code },
    { status, code },
    label,
  );
}

/** Row counts of every table a request could write. */
function rowCounts(): Record<string, number> {
  const db = (server.issuer.store as SqliteStore).db;
  return Object.fromEntries(
    TABLES.map((table) => [
      table,
      (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    ]),
  );
}

async function sessionRow(id: string) {
  const record = await server.issuer.store.getSession(id);
  assert.ok(record);
  return record;
}

/** A credential to present, as `Authorization` header value (or none). */
interface Credential {
  label: string;
  authorization: () => string | undefined;
}

const NO_CREDENTIAL: Credential = { label: 'no credentials', authorization: () => undefined };
const GARBAGE: Credential = { label: 'a garbage token', authorization: () => 'Bearer garbage' };
const NOT_BEARER: Credential = {
  label: 'a non-Bearer scheme',
  authorization: () => `Basic ${Buffer.from(`${DEMO.secretKey}:`).toString('base64')}`,
};
const EMPTY_BEARER: Credential = { label: 'an empty Bearer', authorization: () => 'Bearer ' };
const HUGE_BEARER: Credential = {
  label: 'an oversized token',
  authorization: () => `Bearer sk_${'a'.repeat(600)}`,
};
const UNKNOWN_SECRET_KEY: Credential = {
  label: 'an unknown secret key',
  authorization: () => 'Bearer sk_test_not_a_real_key',
};
const UNKNOWN_ADMIN_KEY: Credential = {
  label: 'an unknown admin key',
  authorization: () => 'Bearer ak_test_not_a_real_key',
};
const ADMIN_KEY: Credential = {
  label: 'the admin key',
  authorization: () => `Bearer ${DEMO.adminKey}`,
};
const SECRET_KEY: Credential = {
  label: 'a secret key',
  authorization: () => `Bearer ${DEMO.secretKey}`,
};

function headersFor(credential: Credential, extra: Record<string, string> = {}) {
  const authorization = credential.authorization();
  return { ...extra, ...(authorization !== undefined ? { authorization } : {}) };
}

describe('admin endpoints (admin key)', () => {
  let clientSecret: string;
  before(async () => {
    clientSecret = (await createSession(server.url)).clientSecret;
  });

  const endpoints = [
    {
      path: '/v1/merchants',
      body: { name: 'Sneaky Shop', allowedOrigins: ['https://sneaky.example'] },
    },
    { path: '/v1/accounts', body: { displayName: 'Sneaky Payer' } },
    { path: `/v1/accounts/${DEMO.accountId}/enrollments`, body: undefined },
  ];
  const refused: Credential[] = [
    NO_CREDENTIAL,
    GARBAGE,
    NOT_BEARER,
    EMPTY_BEARER,
    HUGE_BEARER,
    UNKNOWN_ADMIN_KEY,
    { label: 'the admin key in lower case', authorization: () => 'Bearer AK_TEST_DEMO' },
    SECRET_KEY,
    { label: 'a client secret', authorization: () => `Bearer ${clientSecret}` },
  ];

  for (const endpoint of endpoints) {
    for (const credential of refused) {
      it(`POST ${endpoint.path} refuses ${credential.label} with 401 unauthorized`, async () => {
        const before = rowCounts();

        const result = await request(server.url, 'POST', endpoint.path, {
          headers: headersFor(credential),
          ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
        });

        assertError(result, 401, 'unauthorized');
        assert.deepEqual(rowCounts(), before);
      });
    }

    it(`POST ${endpoint.path} accepts the admin key`, async () => {
      const result = await request(server.url, 'POST', endpoint.path, {
        token: DEMO.adminKey,
        ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
      });

      assert.equal(result.status, 201);
    });
  }
});

describe('merchant endpoints (secret key)', () => {
  let session: Session;
  let otherSession: Session;
  before(async () => {
    session = await createSession(server.url);
    otherSession = await createSession(server.url, {}, other.secretKey);
  });

  const refused = (): Credential[] => [
    NO_CREDENTIAL,
    GARBAGE,
    NOT_BEARER,
    EMPTY_BEARER,
    HUGE_BEARER,
    UNKNOWN_SECRET_KEY,
    { label: 'a live-prefixed unknown key', authorization: () => 'Bearer sk_live_demo' },
    ADMIN_KEY,
    { label: 'a client secret', authorization: () => `Bearer ${session.clientSecret}` },
  ];

  for (const credential of refused()) {
    it(`POST /v1/checkout-sessions refuses ${credential.label} with 401 unauthorized`, async () => {
      const before = rowCounts();

      const result = await request(server.url, 'POST', '/v1/checkout-sessions', {
        headers: headersFor(credential, { 'idempotency-key': `auth-${Math.random()}` }),
        body: { amount: 1500, currency: 'KRW', orderId: 'order-auth' },
      });

      assertError(result, 401, 'unauthorized');
      assert.deepEqual(rowCounts(), before);
    });

    it(`GET /v1/checkout-sessions/:id refuses ${credential.label} with 401 unauthorized`, async () => {
      const result = await request(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
        headers: headersFor(credential),
      });

      assertError(result, 401, 'unauthorized');
    });
  }

  it('GET /v1/checkout-sessions/:id hides another merchant’s session with 404 not_found', async () => {
    const result = await request(server.url, 'GET', `/v1/checkout-sessions/${otherSession.id}`, {
      token: DEMO.secretKey,
    });

    assertError(result, 404, 'not_found');
  });

  it('GET /v1/checkout-sessions/:id refuses the other merchant’s key for our session with 404', async () => {
    const result = await request(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
      token: other.secretKey,
    });

    assertError(result, 404, 'not_found');
  });

  it('answers the owning merchant with the session', async () => {
    const result = await request<Session>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      { token: DEMO.secretKey },
    );

    assert.equal(result.status, 200);
    assert.equal(result.body.id, session.id);
  });
});

describe('POST /v1/checkout-sessions/:id/cancel (secret key or client secret)', () => {
  let session: Session;
  let otherSession: Session;
  before(async () => {
    session = await createSession(server.url);
    otherSession = await createSession(server.url);
  });

  const unauthorized = (): Credential[] => [
    NO_CREDENTIAL,
    GARBAGE,
    NOT_BEARER,
    EMPTY_BEARER,
    HUGE_BEARER,
    UNKNOWN_SECRET_KEY,
    ADMIN_KEY,
  ];

  for (const credential of unauthorized()) {
    it(`refuses ${credential.label} with 401 unauthorized and leaves the session open`, async () => {
      const result = await request(
        server.url,
        'POST',
        `/v1/checkout-sessions/${session.id}/cancel`,
        {
          headers: headersFor(credential),
        },
      );

      assertError(result, 401, 'unauthorized');
      assert.equal((await sessionRow(session.id)).status, 'open');
    });
  }

  it('refuses another merchant’s secret key with 404 not_found', async () => {
    const result = await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: other.secretKey,
    });

    assertError(result, 404, 'not_found');
    assert.equal((await sessionRow(session.id)).status, 'open');
  });

  it('refuses the client secret of another session with 404 not_found', async () => {
    const result = await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: otherSession.clientSecret,
    });

    assertError(result, 404, 'not_found');
    assert.equal((await sessionRow(session.id)).status, 'open');
  });

  it('refuses the client secret of another session in ?client_secret= with 404 not_found', async () => {
    const path = `/v1/checkout-sessions/${session.id}/cancel?client_secret=${encodeURIComponent(otherSession.clientSecret)}`;

    const result = await request(server.url, 'POST', path);

    assertError(result, 404, 'not_found');
    assert.equal((await sessionRow(session.id)).status, 'open');
  });

  it('cancels with the session’s own client secret', async () => {
    const own = await createSession(server.url);

    const result = await request<{ status: string }>(
      server.url,
      'POST',
      `/v1/checkout-sessions/${own.id}/cancel`,
      { token: own.clientSecret },
    );

    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'cancelled');
  });

  it('cancels with the owning merchant’s secret key', async () => {
    const own = await createSession(server.url);

    const result = await request<{ status: string }>(
      server.url,
      'POST',
      `/v1/checkout-sessions/${own.id}/cancel`,
      { token: DEMO.secretKey },
    );

    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'cancelled');
  });
});

describe('page endpoints (client secret)', () => {
  let session: Session;
  let otherSession: Session;
  before(async () => {
    session = await createSession(server.url);
    otherSession = await createSession(server.url);
  });

  const endpoints = [
    { method: 'GET', action: 'public' },
    { method: 'POST', action: 'handoffs' },
    { method: 'GET', action: 'events' },
  ] as const;
  const unauthorized = (): Credential[] => [
    NO_CREDENTIAL,
    GARBAGE,
    NOT_BEARER,
    EMPTY_BEARER,
    HUGE_BEARER,
    SECRET_KEY,
    ADMIN_KEY,
    {
      label: 'a tampered client secret',
      authorization: () => `Bearer ${session.clientSecret.slice(0, -2)}xx`,
    },
  ];

  for (const { method, action } of endpoints) {
    for (const credential of unauthorized()) {
      it(`${method} /v1/checkout-sessions/:id/${action} refuses ${credential.label} with 401`, async () => {
        const before = rowCounts();

        const result = await request(
          server.url,
          method,
          `/v1/checkout-sessions/${session.id}/${action}`,
          { headers: headersFor(credential) },
        );

        assertError(result, 401, 'unauthorized');
        assert.deepEqual(rowCounts(), before);
      });
    }

    it(`${method} /v1/checkout-sessions/:id/${action} refuses a garbage ?client_secret= with 401`, async () => {
      const result = await request(
        server.url,
        method,
        `/v1/checkout-sessions/${session.id}/${action}?client_secret=garbage`,
      );

      assertError(result, 401, 'unauthorized');
    });

    it(`${method} /v1/checkout-sessions/:id/${action} refuses another session’s client secret with 404`, async () => {
      const before = rowCounts();

      const result = await request(
        server.url,
        method,
        `/v1/checkout-sessions/${session.id}/${action}`,
        { token: otherSession.clientSecret },
      );

      assertError(result, 404, 'not_found');
      assert.deepEqual(rowCounts(), before);
    });

    it(`${method} /v1/checkout-sessions/:id/${action} refuses another session’s ?client_secret= with 404`, async () => {
      const secret = encodeURIComponent(otherSession.clientSecret);

      const result = await request(
        server.url,
        method,
        `/v1/checkout-sessions/${session.id}/${action}?client_secret=${secret}`,
      );

      assertError(result, 404, 'not_found');
    });
  }

  it('accepts the client secret as ?client_secret=', async () => {
    const own = await createSession(server.url);
    const secret = encodeURIComponent(own.clientSecret);

    const result = await request<Handoff>(
      server.url,
      'POST',
      `/v1/checkout-sessions/${own.id}/handoffs?client_secret=${secret}`,
    );

    assert.equal(result.status, 201);
    assert.match(result.body.url, /\/h\//);
  });
});

describe('page endpoints (CORS by the merchant’s allowedOrigins)', () => {
  const foreign = [
    EVIL_ORIGIN,
    OTHER_SHOP_ORIGIN,
    'null',
    `${SHOP_ORIGIN}/`,
    'http://localhost:4001',
  ];

  for (const origin of foreign) {
    it(`GET /public refuses Origin ${origin} with 403 and no CORS header`, async () => {
      const session = await createSession(server.url);

      const result = await request(
        server.url,
        'GET',
        `/v1/checkout-sessions/${session.id}/public`,
        {
          token: session.clientSecret,
          headers: { origin },
        },
      );

      assertError(result, 403, 'origin_not_allowed');
      assert.equal(result.headers.get('access-control-allow-origin'), null);
    });
  }

  it('POST /handoffs refuses a foreign Origin with 403, no CORS header and no hand-off', async () => {
    const session = await createSession(server.url);
    const before = rowCounts();

    const result = await request(
      server.url,
      'POST',
      `/v1/checkout-sessions/${session.id}/handoffs`,
      {
        token: session.clientSecret,
        headers: { origin: EVIL_ORIGIN },
      },
    );

    assertError(result, 403, 'origin_not_allowed');
    assert.equal(result.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(rowCounts(), before);
  });

  it('GET /events refuses a foreign Origin with 403 and no CORS header', async () => {
    const session = await createSession(server.url);

    const result = await request(server.url, 'GET', `/v1/checkout-sessions/${session.id}/events`, {
      token: session.clientSecret,
      headers: { origin: EVIL_ORIGIN },
    });

    assertError(result, 403, 'origin_not_allowed');
    assert.equal(result.headers.get('access-control-allow-origin'), null);
  });

  it('POST /cancel with a client secret refuses a foreign Origin and leaves the session open', async () => {
    const session = await createSession(server.url);

    const result = await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: session.clientSecret,
      headers: { origin: EVIL_ORIGIN },
    });

    assertError(result, 403, 'origin_not_allowed');
    assert.equal(result.headers.get('access-control-allow-origin'), null);
    assert.equal((await sessionRow(session.id)).status, 'open');
  });

  for (const origin of [SHOP_ORIGIN, 'http://127.0.0.1:4000']) {
    it(`GET /public answers allowed Origin ${origin} with access-control-allow-origin`, async () => {
      const session = await createSession(server.url);

      const result = await request(
        server.url,
        'GET',
        `/v1/checkout-sessions/${session.id}/public`,
        {
          token: session.clientSecret,
          headers: { origin },
        },
      );

      assert.equal(result.status, 200);
      assert.equal(result.headers.get('access-control-allow-origin'), origin);
      assert.match(result.headers.get('vary') ?? '', /origin/i);
    });
  }

  it('POST /handoffs answers an allowed Origin with access-control-allow-origin', async () => {
    const session = await createSession(server.url);

    const result = await request(
      server.url,
      'POST',
      `/v1/checkout-sessions/${session.id}/handoffs`,
      {
        token: session.clientSecret,
        headers: { origin: SHOP_ORIGIN },
      },
    );

    assert.equal(result.status, 201);
    assert.equal(result.headers.get('access-control-allow-origin'), SHOP_ORIGIN);
  });

  it('GET /events answers an allowed Origin with access-control-allow-origin', async () => {
    const session = await createSession(server.url);
    // A terminal session: the stream sends one snapshot and ends, so the answer can be read whole.
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });

    const result = await request<string>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}/events`,
      { token: session.clientSecret, headers: { origin: SHOP_ORIGIN } },
    );

    assert.equal(result.status, 200);
    assert.equal(result.headers.get('access-control-allow-origin'), SHOP_ORIGIN);
    assert.match(result.body, /event: session/);
  });

  it('POST /cancel answers an allowed Origin with access-control-allow-origin', async () => {
    const session = await createSession(server.url);

    const result = await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: session.clientSecret,
      headers: { origin: SHOP_ORIGIN },
    });

    assert.equal(result.status, 200);
    assert.equal(result.headers.get('access-control-allow-origin'), SHOP_ORIGIN);
  });

  it('refuses the demo shop’s Origin for another merchant’s session', async () => {
    const session = await createSession(server.url, {}, other.secretKey);

    const result = await request(server.url, 'GET', `/v1/checkout-sessions/${session.id}/public`, {
      token: session.clientSecret,
      headers: { origin: SHOP_ORIGIN },
    });

    assertError(result, 403, 'origin_not_allowed');
    assert.equal(result.headers.get('access-control-allow-origin'), null);
  });

  for (const action of ['public', 'handoffs', 'events', 'cancel']) {
    it(`answers an OPTIONS preflight for /${action} from an allowed Origin with 204`, async () => {
      const session = await createSession(server.url);

      const result = await request(
        server.url,
        'OPTIONS',
        `/v1/checkout-sessions/${session.id}/${action}`,
        {
          headers: {
            origin: SHOP_ORIGIN,
            'access-control-request-method':
              action === 'public' || action === 'events' ? 'GET' : 'POST',
            'access-control-request-headers': 'authorization',
          },
        },
      );

      assert.equal(result.status, 204);
      assert.equal(result.headers.get('access-control-allow-origin'), SHOP_ORIGIN);
      assert.match(result.headers.get('access-control-allow-methods') ?? '', /GET/);
      assert.match(result.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(result.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      assert.match(result.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    });
  }

  it('refuses an OPTIONS preflight from a foreign Origin with 403 and no CORS header', async () => {
    const session = await createSession(server.url);

    const result = await request(
      server.url,
      'OPTIONS',
      `/v1/checkout-sessions/${session.id}/public`,
      {
        headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'GET' },
      },
    );

    assertError(result, 403, 'origin_not_allowed');
    assert.equal(result.headers.get('access-control-allow-origin'), null);
    assert.equal(result.headers.get('access-control-allow-methods'), null);
  });

  it('refuses an OPTIONS preflight for an unknown session without CORS headers', async () => {
    const result = await request(server.url, 'OPTIONS', '/v1/checkout-sessions/cs_unknown/public', {
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'GET' },
    });

    assert.ok(result.status >= 400 && result.status < 500, `status ${result.status}`);
    assert.equal(result.headers.get('access-control-allow-origin'), null);
  });
});

/** A POST from a phone-like client with full control over Origin and cookie. */
function phonePost(
  path: string,
  options: { origin?: string | null; cookie?: string; body?: unknown } = {},
): Promise<HttpResult> {
  const origin = options.origin === undefined ? new URL(server.url).origin : options.origin;
  return request(server.url, 'POST', path, {
    headers: {
      ...(origin !== null ? { origin } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

/** Origins other than the issuer's own, including look-alikes. */
function foreignPhoneOrigins(): { label: string; origin: string | null }[] {
  const own = new URL(server.url);
  return [
    { label: 'no Origin', origin: null },
    { label: 'a foreign Origin', origin: EVIL_ORIGIN },
    { label: 'the merchant shop’s Origin', origin: SHOP_ORIGIN },
    { label: 'Origin null', origin: 'null' },
    { label: 'the issuer on 127.0.0.1', origin: `http://127.0.0.1:${own.port}` },
    { label: 'the issuer Origin with a path', origin: `${own.origin}/h` },
  ];
}

describe('POST /v1/handoffs/:code/claim (issuer Origin)', () => {
  it('refuses every foreign Origin with 403, sets no cookie and leaves the code claimable', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const before = rowCounts();

    const results = [];
    for (const { label, origin } of foreignPhoneOrigins()) {
      results.push({
        label,
        result: await phonePost(`/v1/handoffs/${handoff.code}/claim`, { origin }),
      });
    }

    for (const { label, result } of results) {
      assertError(result, 403, 'origin_not_allowed', label);
      assert.equal(result.headers.get('set-cookie'), null, label);
    }
    assert.deepEqual(rowCounts(), before);
    assert.equal((await sessionRow(session.id)).status, 'open');
    assert.equal((await new Phone(server.url).claim(handoff.code)).status, 200);
  });

  it('refuses a user code from a foreign Origin with 403', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);

    const result = await phonePost(`/v1/handoffs/${handoff.userCode}/claim`, {
      origin: EVIL_ORIGIN,
    });

    assertError(result, 403, 'origin_not_allowed');
    assert.equal((await sessionRow(session.id)).status, 'open');
  });

  it('refuses a second phone taking over a claimed code with 409 handoff_claimed', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    assert.equal((await new Phone(server.url).claim(handoff.code)).status, 200);

    const result = await new Phone(server.url).claim(handoff.code);

    assertError(result, 409, 'handoff_claimed');
  });
});

describe('claimed-phone endpoints (phone cookie and issuer Origin)', () => {
  let phone: Phone;
  let otherPhone: Phone;
  let session: Session;
  let code: string;
  let bindingCode: string;
  before(async () => {
    phone = new Phone(server.url);
    otherPhone = new Phone(server.url);
    session = await createSession(server.url);
    bindingCode = (await publicSession(server.url, session)).body.bindingCode;
    code = (await createHandoff(server.url, session)).code;
    assert.equal((await phone.claim(code)).status, 200);
    const elsewhere = await createHandoff(server.url, await createSession(server.url));
    assert.equal((await otherPhone.claim(elsewhere.code)).status, 200);
  });

  const endpoints = [
    { action: 'authentication-options', body: () => ({ bindingCode }) },
    {
      action: 'confirm',
      body: () => ({
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          clientExtensionResults: {},
          response: {
            clientDataJSON: Buffer.from(JSON.stringify({ challenge: 'AAAA' })).toString(
              'base64url',
            ),
            authenticatorData: 'AAAA',
            signature: 'AAAA',
          },
        },
      }),
    },
    { action: 'decline', body: () => undefined },
  ];

  /** The session as the phone left it: still claimed, no failed attempt, no challenge. */
  async function assertUntouched() {
    const row = await sessionRow(session.id);
    assert.equal(row.status, 'claimed');
    assert.equal(row.failedAttempts, 0);
    const db = (server.issuer.store as SqliteStore).db;
    const challenges = db
      .prepare('SELECT COUNT(*) AS n FROM challenges WHERE session_id = ?')
      .get(session.id) as { n: number };
    assert.equal(challenges.n, 0);
  }

  for (const endpoint of endpoints) {
    it(`${endpoint.action} refuses a foreign or missing Origin with 403 even with the right cookie`, async () => {
      const results = [];

      for (const { label, origin } of foreignPhoneOrigins()) {
        const result = await phonePost(`/v1/handoffs/${code}/${endpoint.action}`, {
          origin,
          cookie: phone.cookie,
          body: endpoint.body(),
        });
        results.push({ label, result });
      }

      for (const { label, result } of results)
        assertError(result, 403, 'origin_not_allowed', label);
      await assertUntouched();
    });

    const cookies = (): { label: string; cookie: string | undefined }[] => [
      { label: 'no phone cookie', cookie: undefined },
      { label: 'another phone’s cookie', cookie: otherPhone.cookie },
      { label: 'a garbage cookie', cookie: 'dualpay_phone=garbage' },
      { label: 'a well-formed unknown token', cookie: `dualpay_phone=${'A'.repeat(43)}` },
      {
        label: 'the right token under another cookie name',
        cookie: `other=${phone.cookie.split('=')[1] ?? ''}`,
      },
    ];

    it(`${endpoint.action} refuses a request without this phone’s cookie with 404, as for an unknown code`, async () => {
      const results = [];

      for (const { label, cookie } of cookies()) {
        const result = await phonePost(`/v1/handoffs/${code}/${endpoint.action}`, {
          ...(cookie !== undefined ? { cookie } : {}),
          body: endpoint.body(),
        });
        results.push({ label, result });
      }

      for (const { label, result } of results) assertError(result, 404, 'not_found', label);
      await assertUntouched();
    });
  }

  it('lets the claiming phone proceed with its cookie and the issuer Origin', async () => {
    const result = await phone.authenticationOptions(code, bindingCode);

    assert.equal(result.status, 200);
    assert.equal(typeof result.body.challenge, 'string');
  });
});

describe('enrolment endpoints (issuer Origin)', () => {
  let enrollmentCode: string;
  before(async () => {
    const created = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    assert.equal(created.status, 201);
    enrollmentCode = created.body.code;
  });

  for (const action of ['registration-options', 'verify']) {
    it(`${action} refuses a foreign or missing Origin with 403`, async () => {
      const before = rowCounts();
      const results = [];

      for (const { label, origin } of foreignPhoneOrigins()) {
        const result = await phonePost(`/v1/enrollments/${enrollmentCode}/${action}`, {
          origin,
          ...(action === 'verify' ? { body: { response: { id: 'AAAA' } } } : {}),
        });
        results.push({ label, result });
      }

      for (const { label, result } of results)
        assertError(result, 403, 'origin_not_allowed', label);
      assert.deepEqual(rowCounts(), before);
      const enrollment = await server.issuer.store.getEnrollment(sha256Hex(enrollmentCode));
      assert.equal(enrollment?.challenge, null);
      assert.equal(enrollment?.usedAt, null);
    });
  }

  it('lets the issuer’s own page enrol a card with the code afterwards', async () => {
    const phone = new Phone(server.url);
    const options = await phone.post<{ challenge: string }>(
      `/v1/enrollments/${enrollmentCode}/registration-options`,
    );

    const response = await phone.card.createCredential(options.body as never, {
      origin: phone.origin,
    });
    const verified = await phone.post<{ cardId: string }>(
      `/v1/enrollments/${enrollmentCode}/verify`,
      {
        response,
      },
    );

    assert.equal(options.status, 200);
    assert.equal(verified.status, 200);
    assert.match(verified.body.cardId, /^card_/);
  });
});
