/**
 * Web attacks on the issuer's HTTP surface that test/server/auth.test.ts (CORS, credentials per
 * endpoint, the phone Origin check) does not already cover: telling existing sessions of other
 * merchants from missing ones (enumeration), reusing another merchant's Idempotency-Key, secrets
 * leaking into the page's view, and the phone cookie on an https issuer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';
import { openSse } from '../server/support/sse.js';

const SHOP = 'http://localhost:4000';
const OTHER_SHOP = 'https://other-shop.example';

const answer = (result: HttpResult) =>
  `${result.status} ${(result.body as { error?: { code?: string } } | undefined)?.error?.code}`;

describe('the issuer to a merchant probing for other merchants’ sessions', () => {
  let server: TestIssuer;
  let ours: Session;
  let theirs: Session;
  let other: { id: string; secretKey: string };
  const missing = 'cs_AAAAAAAAAAAAAAAAAAAAAA';

  before(async () => {
    server = await startTestIssuer();
    other = (
      await request<{ id: string; secretKey: string }>(server.url, 'POST', '/v1/merchants', {
        token: DEMO.adminKey,
        body: { name: 'Other shop', allowedOrigins: [OTHER_SHOP] },
      })
    ).body;
    ours = await createSession(server.url);
    theirs = await createSession(server.url, {}, other.secretKey);
  });
  after(() => server.dispose());

  it('answers a secret-key read or cancel of their session exactly as for a missing one', async () => {
    const probe = (id: string) =>
      Promise.all([
        request(server.url, 'GET', `/v1/checkout-sessions/${id}`, { token: DEMO.secretKey }),
        request(server.url, 'POST', `/v1/checkout-sessions/${id}/cancel`, {
          token: DEMO.secretKey,
        }),
      ]);

    const [existing, absent] = [await probe(theirs.id), await probe(missing)];

    assert.deepEqual(existing.map(answer), absent.map(answer));
    assert.deepEqual(existing.map(answer), ['404 not_found', '404 not_found']);
    assert.equal((await server.issuer.store.getSession(theirs.id))?.status, 'open');
  });

  for (const [label, origin] of [
    ['without Origin', undefined],
    ['from our shop’s Origin', SHOP],
  ] as const) {
    it(`answers page requests with our client secret for their session as for a missing one (${label})`, async () => {
      const probe = (id: string) =>
        Promise.all(
          (
            [
              ['GET', 'public'],
              ['POST', 'handoffs'],
              ['GET', 'events'],
              ['POST', 'cancel'],
            ] as const
          ).map(([method, action]) =>
            request(server.url, method, `/v1/checkout-sessions/${id}/${action}`, {
              token: ours.clientSecret,
              headers: origin ? { origin } : {},
            }),
          ),
        );

      const [existing, absent] = [await probe(theirs.id), await probe(missing)];

      assert.deepEqual(existing.map(answer), absent.map(answer));
      assert.ok(existing.every((result) => result.status === 404 || result.status === 403));
      assert.ok(existing.every((result) => !result.headers.get('access-control-allow-origin')));
    });
  }

  it('scopes an Idempotency-Key to its merchant: the same key and body elsewhere make a new session', async () => {
    const body = { amount: 5100, currency: 'KRW', orderId: 'shared-order' };
    const send = (secretKey: string) =>
      request<Session>(server.url, 'POST', '/v1/checkout-sessions', {
        token: secretKey,
        headers: { 'idempotency-key': 'shared-key' },
        body,
      });

    const first = await send(DEMO.secretKey);
    const second = await send(other.secretKey);

    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.notEqual(second.body.id, first.body.id);
    assert.notEqual(second.body.clientSecret, first.body.clientSecret);
    assert.equal(second.headers.get('idempotent-replayed'), null);
    assert.equal(second.body.merchantId, other.id);
  });
});

describe('the page’s view of a session (PublicSession, poll and events)', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  const PUBLIC_KEYS = [
    'id',
    'status',
    'amount',
    'currency',
    'merchantName',
    'description',
    'expiresAt',
    'bindingCode',
    'interval',
    'settlementToken',
    'error',
  ];

  it('carries no client secret, order id, metadata, phone or attempt data', async () => {
    const session = await createSession(server.url, {
      orderId: 'secret-order-7',
      metadata: { customer: 'c-99' },
    });
    const { code } = await createHandoff(server.url, session);
    await new Phone(server.url).claim(code);

    const poll = await request<Record<string, unknown>>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}/public`,
      { token: session.clientSecret },
    );
    const stream = await openSse(
      `${server.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`,
    );
    const snapshot = JSON.parse((await stream.next()).data) as Record<string, unknown>;
    stream.close();

    for (const view of [poll.body, snapshot]) {
      assert.deepEqual(
        Object.keys(view).filter((key) => !PUBLIC_KEYS.includes(key)),
        [],
      );
      const text = JSON.stringify(view);
      for (const secret of [session.clientSecret, 'secret-order-7', 'c-99', code]) {
        assert.ok(!text.includes(secret), `the page's view leaks ${secret.slice(0, 12)}…`);
      }
    }
  });
});

describe('the phone cookie of an https issuer', () => {
  // An https issuer refuses the public demo keys: this one has a merchant of its own.
  const secretKey = 'sk_test_https_cookie_check';
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer({ publicUrl: 'https://pay.example', seedDemo: false });
    await server.issuer.merchants.createMerchant(
      { name: 'Https Shop', allowedOrigins: ['https://shop.example'] },
      { actor: 'test' },
      { secretKey },
    );
  });
  after(() => server.dispose());

  it('is __Host- prefixed, Secure, HttpOnly, SameSite=Strict and scoped to /', async () => {
    const session = await createSession(server.url, {}, secretKey);
    const { code } = await createHandoff(server.url, session);

    const claim = await request(server.url, 'POST', `/v1/handoffs/${code}/claim`, {
      headers: { origin: 'https://pay.example' },
    });

    const cookie = claim.headers.get('set-cookie') ?? '';
    assert.equal(claim.status, 200);
    assert.match(cookie, /^__Host-dualpay_phone=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']) {
      assert.ok(cookie.split('; ').includes(attribute), `${attribute} in ${cookie}`);
    }
    assert.ok(!/Domain=/i.test(cookie));
  });
});
