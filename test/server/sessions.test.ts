import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Handoff, PublicSession, Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';
import { openSse } from './support/sse.js';

const codeOf = errorCodeOf;

/** A clock the test moves by hand. */
class FakeClock {
  nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
  now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

describe('checkout sessions', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('answer 201 with the documented Session shape', async () => {
    const result = await request<Session>(server.url, 'POST', '/v1/checkout-sessions', {
      token: DEMO.secretKey,
      headers: { 'idempotency-key': 'shape-1' },
      body: {
        amount: 1500,
        currency: 'KRW',
        orderId: 'o-shape',
        description: 'Coffee',
        metadata: { sku: 'c1' },
      },
    });

    assert.equal(result.status, 201);
    assert.deepEqual(Object.keys(result.body).sort(), [
      'amount',
      'clientSecret',
      'createdAt',
      'currency',
      'description',
      'expiresAt',
      'id',
      'merchantId',
      'orderId',
      'status',
    ]);
    assert.equal(result.body.status, 'open');
    assert.equal(result.body.merchantId, DEMO.merchantId);
    assert.equal(Date.parse(result.body.expiresAt) - Date.parse(result.body.createdAt), 600_000);
    assert.match(result.body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('return the same session for the same Idempotency-Key and body', async () => {
    const send = () =>
      request<Session>(server.url, 'POST', '/v1/checkout-sessions', {
        token: DEMO.secretKey,
        headers: { 'idempotency-key': 'idem-1' },
        body: { amount: 2500, currency: 'USD', orderId: 'o-idem' },
      });

    const first = await send();
    const second = await send();

    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
  });

  it('answer 409 idempotency_conflict for the same key with another body', async () => {
    const send = (amount: number) =>
      request(server.url, 'POST', '/v1/checkout-sessions', {
        token: DEMO.secretKey,
        headers: { 'idempotency-key': 'idem-2' },
        body: { amount, currency: 'KRW', orderId: 'o-idem-2' },
      });

    await send(100);
    const conflict = await send(200);

    assert.equal(conflict.status, 409);
    assert.equal(codeOf(conflict.body), 'idempotency_conflict');
  });

  it('cancel by secret key or client secret, once', async () => {
    const bySecret = await createSession(server.url);
    const byClient = await createSession(server.url);

    const first = await request<Session>(
      server.url,
      'POST',
      `/v1/checkout-sessions/${bySecret.id}/cancel`,
      {
        token: DEMO.secretKey,
      },
    );
    const second = await request(
      server.url,
      'POST',
      `/v1/checkout-sessions/${byClient.id}/cancel`,
      {
        token: byClient.clientSecret,
      },
    );
    const again = await request(server.url, 'POST', `/v1/checkout-sessions/${bySecret.id}/cancel`, {
      token: DEMO.secretKey,
    });

    assert.equal(first.status, 200);
    assert.equal(first.body.status, 'cancelled');
    assert.deepEqual(second.body, { id: byClient.id, status: 'cancelled' });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again.body), 'session_cancelled');
  });
});

describe('expiry', () => {
  let server: TestIssuer;
  const clock = new FakeClock();
  before(async () => (server = await startTestIssuer({ now: clock.now })));
  after(() => server.dispose());

  it('expires a session 10 minutes after creation, on read', async () => {
    const session = await createSession(server.url);

    clock.advance(10 * 60_000);
    const result = await request<Session>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      {
        token: DEMO.secretKey,
      },
    );

    assert.equal(result.body.status, 'expired');
  });

  it('expires due sessions in the sweeper, claimed ones included, and refuses late steps', async () => {
    const open = await createSession(server.url);
    const claimed = await createSession(server.url);
    const phone = new Phone(server.url);
    await phone.claim((await createHandoff(server.url, claimed)).code);

    clock.advance(10 * 60_000 + 1);
    const swept = await server.issuer.sweep();
    const handoff = await request(server.url, 'POST', `/v1/checkout-sessions/${open.id}/handoffs`, {
      token: open.clientSecret,
    });

    assert.equal(swept, 2);
    assert.equal((await server.issuer.store.getSession(open.id))?.status, 'expired');
    assert.equal((await server.issuer.store.getSession(claimed.id))?.status, 'expired');
    assert.equal(handoff.status, 410);
    assert.equal(codeOf(handoff.body), 'session_expired');
  });
});

describe('hand-offs', () => {
  let server: TestIssuer;
  const clock = new FakeClock();
  before(async () => (server = await startTestIssuer({ now: clock.now })));
  after(() => server.dispose());

  it('give a ≥128-bit code, its URL, a user code and a 60 s life', async () => {
    const session = await createSession(server.url);

    const handoff = await createHandoff(server.url, session);

    assert.match(handoff.code, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(handoff.url, `${server.issuer.publicUrl}/h/${handoff.code}`);
    assert.match(handoff.userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    assert.equal(Date.parse(handoff.expiresAt) - clock.nowMs, 60_000);
  });

  it('kill earlier codes when a new one is made (rotation): 410 handoff_replaced, not expired', async () => {
    const session = await createSession(server.url);
    const old = await createHandoff(server.url, session);
    await createHandoff(server.url, session);

    const claim = await new Phone(server.url).claim(old.code);

    assert.equal(claim.status, 410);
    assert.equal(codeOf(claim.body), 'handoff_replaced');
  });

  it('refuse a code after its 60 s', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);

    clock.advance(60_000);
    const claim = await new Phone(server.url).claim(handoff.code);

    assert.equal(claim.status, 410);
    assert.equal(codeOf(claim.body), 'handoff_expired');
  });

  it('are claimable once: a second phone gets handoff_claimed, the same phone gets the details again', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const phone = new Phone(server.url);
    const first = await phone.claim(handoff.code);

    const other = await new Phone(server.url).claim(handoff.code);
    const reload = await phone.claim(handoff.code);

    assert.equal(first.status, 200);
    assert.equal(other.status, 409);
    assert.equal(codeOf(other.body), 'handoff_claimed');
    assert.equal(reload.status, 200);
    assert.deepEqual(reload.body, first.body);
  });

  it('set the phone cookie HttpOnly and SameSite=Strict', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);

    const claim = await new Phone(server.url).claim(handoff.code);

    const cookie = claim.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^dualpay_phone=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
  });

  it('can be claimed by the user code, typed loosely', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const typed = `${handoff.userCode.slice(0, 4).toLowerCase()} - ${handoff.userCode.slice(4)}`;

    const claim = await new Phone(server.url).claim(encodeURIComponent(typed));

    assert.equal(claim.status, 200);
    assert.equal(claim.body.code, handoff.userCode);
    assert.equal(claim.body.sessionId, session.id);
  });

  it('accept the claimed user code on the phone endpoints, for the phone that claimed it', async () => {
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    const phone = new Phone(server.url);
    await phone.enrol();
    const { body: claim } = await phone.claim(handoff.userCode);

    const stranger = await new Phone(server.url).authenticationOptions(
      claim.code,
      view.bindingCode,
    );
    const result = await phone.pay(claim.code, view.bindingCode);

    assert.equal(stranger.status, 404);
    assert.equal(codeOf(stranger.body), 'not_found');
    assert.equal(result.status, 200);
  });

  it('are refused once the session is claimed', async () => {
    const session = await createSession(server.url);
    await new Phone(server.url).claim((await createHandoff(server.url, session)).code);

    const result = await request(
      server.url,
      'POST',
      `/v1/checkout-sessions/${session.id}/handoffs`,
      {
        token: session.clientSecret,
      },
    );

    assert.equal(result.status, 409);
    assert.equal(codeOf(result.body), 'session_not_open');
  });
});

describe('user-code guessing', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('is rate-limited per client: 10 guesses, then 429 rate_limited with Retry-After', async () => {
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await new Phone(server.url).claim('BBBB-BBBB'));

    assert.deepEqual(
      results.map((result) => result.status),
      [...Array<number>(10).fill(404), 429],
    );
    assert.equal(codeOf(results[10]?.body), 'rate_limited');
    assert.ok(Number(results[10]?.headers.get('retry-after')) >= 1);
  });
});

describe('the poll endpoint', () => {
  let server: TestIssuer;
  const clock = new FakeClock();
  before(async () => (server = await startTestIssuer({ now: clock.now })));
  after(() => server.dispose());

  it('answers the PublicSession with interval and the binding code', async () => {
    const session = await createSession(server.url, { description: 'Latte' });

    const result = await publicSession(server.url, session);

    const body = result.body as unknown as PublicSession;
    assert.equal(result.status, 200);
    assert.equal(body.interval, 2);
    assert.equal(body.merchantName, 'dualpay Demo Shop');
    assert.equal(body.description, 'Latte');
    assert.match(body.bindingCode, /^[0-9]{2}$/);
  });

  it('answers slow_down with Retry-After when polled faster than interval', async () => {
    const session = await createSession(server.url);
    await publicSession(server.url, session);

    clock.advance(1000);
    const fast = await publicSession(server.url, session);
    clock.advance(1000);
    const onTime = await publicSession(server.url, session);

    assert.equal(fast.status, 429);
    assert.equal(codeOf(fast.body), 'slow_down');
    assert.equal(fast.headers.get('retry-after'), '2');
    assert.equal(onTime.status, 200);
  });
});

describe('events (SSE)', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  const eventsUrl = (session: Session) =>
    `${server.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

  it('sends retry, a snapshot, one event per change with increasing ids, and ends at settlement', async () => {
    const session = await createSession(server.url);
    const stream = await openSse(eventsUrl(session));
    const snapshot = await stream.next();
    const { bindingCode } = JSON.parse(snapshot.data) as PublicSession;
    const handoff: Handoff = await createHandoff(server.url, session);

    await phone.pay(handoff.code, bindingCode);
    const claimed = await stream.next();
    const settled = await stream.next();
    await stream.ended;

    assert.equal(stream.status, 200);
    assert.deepEqual(stream.retry, [2000]);
    assert.equal(snapshot.event, 'session');
    assert.equal(snapshot.id, '1');
    assert.equal(JSON.parse(snapshot.data).status, 'open');
    assert.equal(claimed.id, '2');
    assert.equal(JSON.parse(claimed.data).status, 'claimed');
    assert.equal(settled.id, '3');
    const final = JSON.parse(settled.data) as PublicSession;
    assert.equal(final.status, 'settled');
    assert.match(final.settlementToken ?? '', /^ey/);
  });

  it('resumes after Last-Event-ID without loss or duplicates', async () => {
    const session = await createSession(server.url);
    const { body } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    await phone.pay(handoff.code, body.bindingCode);

    const resumed = await openSse(eventsUrl(session), { 'last-event-id': '1' });
    const claimed = await resumed.next();
    const settled = await resumed.next();
    await resumed.ended;

    assert.deepEqual([claimed.id, settled.id], ['2', '3']);
    assert.equal(JSON.parse(settled.data).status, 'settled');
    const again = await openSse(eventsUrl(session), { 'last-event-id': '3' });
    await again.ended;
    await assert.rejects(again.next(100));
  });

  it('sends the snapshot of a terminal session and ends', async () => {
    const session = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });

    const stream = await openSse(eventsUrl(session));
    const only = await stream.next();
    await stream.ended;

    assert.equal(JSON.parse(only.data).status, 'cancelled');
    assert.equal(JSON.parse(only.data).error.code, 'session_cancelled');
  });
});

describe('the issuer pages', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  for (const path of ['/h/AAAAAAAAAAAAAAAAAAAAAAAA', '/h', '/e/AAAAAAAAAAAAAAAAAAAAAAAA']) {
    it(`${path} is served with a strict CSP, no framing and no referrer`, async () => {
      const result = await request<string>(server.url, 'GET', path);

      assert.equal(result.status, 200);
      const csp = result.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(result.headers.get('x-frame-options'), 'DENY');
      assert.equal(result.headers.get('referrer-policy'), 'no-referrer');
      assert.doesNotMatch(result.body, /<script>|style=/);
    });
  }

  it('escapes the code it puts in the page', async () => {
    const result = await request<string>(
      server.url,
      'GET',
      '/h/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    );

    assert.doesNotMatch(result.body, /<script>alert/);
  });
});
