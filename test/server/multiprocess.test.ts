/**
 * Several `dualpay-issuer` processes on one PostgreSQL database (each test file on a fresh
 * database), as behind a load balancer without sticky sessions: any process serves any request of
 * a payment, and what must hold for one process holds for all of them together: one settlement
 * per payment, one rate-limit budget per client, events on every process's streams, merchant
 * changes at once everywhere, one demo seed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generateUserCode, type PublicSession, type Session } from '../../src/protocol/index.js';
import { DEFAULT_RATE_LIMITS, DEMO } from '../../src/server/index.js';
import { verifySettlementToken } from '../../src/verify/index.js';
import { freshDatabase, SKIP_POSTGRES } from '../support/postgres.js';
import {
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  type HttpResult,
} from './support/harness.js';
import type { IssuerProcess } from './support/process.js';
import {
  BalancedPhone,
  eventually,
  spawnProcesses,
  type Processes,
} from './support/multiprocess.js';
import { openSse, type SseStream } from './support/sse.js';

const eventsUrl = (base: string, session: Session) =>
  `${base}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

/** The next event of `stream` as the page reads it. */
async function nextView(stream: SseStream): Promise<PublicSession> {
  return JSON.parse((await stream.next(10_000)).data) as PublicSession;
}

describe('issuer processes sharing one PostgreSQL database', { skip: SKIP_POSTGRES }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let processes: Processes;
  let a: IssuerProcess;
  let b: IssuerProcess;
  let db: pg.Pool;
  let phone: BalancedPhone;

  before(async () => {
    database = await freshDatabase();
    // One proxy hop trusted: the tests pose as different clients with X-Forwarded-For.
    processes = await spawnProcesses(database.url, 2, ['--trust-proxy', '1']);
    [a, b] = processes.list as [IssuerProcess, IssuerProcess];
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    phone = new BalancedPhone(processes.publicUrl, a.url);
    await phone.enrol();
  });
  after(async () => {
    await processes.stop();
    await db.end();
    await database.drop();
  });

  /** A session claimed through A, with the binding number the page shows (read through B). */
  async function claimed() {
    const session = await createSession(a.url);
    const { body: view } = await publicSession(b.url, session);
    const handoff = await createHandoff(b.url, session);
    const claim = await phone.via(a.url).claim(handoff.code);
    assert.equal(claim.status, 200);
    return { session, code: handoff.code, bindingCode: view.bindingCode };
  }

  const ledgerOf = async (sessionId: string) =>
    (await db.query('SELECT id FROM ledger_entries WHERE session_id = $1', [sessionId])).rows;

  it('settles exactly once when forty confirms of one assertion race over both processes', async () => {
    const { session, code, bindingCode } = await claimed();
    const options = await phone.via(b.url).authenticationOptions(code, bindingCode);
    const assertion = await phone.assert(options.body);

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request<{ settlementId?: string }>(
          (i % 2 === 0 ? a : b).url,
          'POST',
          `/v1/handoffs/${code}/confirm`,
          {
            body: { response: assertion },
            headers: { origin: processes.publicUrl, cookie: phone.cookie },
          },
        ),
      ),
    );

    const settled = results.filter((result) => result.status === 200);
    assert.equal(settled.length, 1);
    assert.ok(
      results.every((result) => result.status < 500),
      JSON.stringify(results.map((r) => r.status)),
    );
    assert.deepEqual(
      (await ledgerOf(session.id)).map((row) => row.id),
      [settled[0]?.body.settlementId],
    );
  });

  it('rate-limits a user code guessed on alternating processes after exactly as many guesses as on one process', async () => {
    const guessesUntilLimited = async (client: string, target: (i: number) => string) => {
      for (let i = 1; i <= 40; i++) {
        const guess = await request(target(i), 'POST', `/v1/handoffs/${generateUserCode()}/claim`, {
          headers: { origin: processes.publicUrl, 'x-forwarded-for': client },
        });
        if (guess.status === 429) {
          assert.equal(errorCodeOf(guess.body), 'rate_limited');
          return i - 1;
        }
        assert.equal(errorCodeOf(guess.body), 'not_found');
      }
      return Infinity;
    };

    const alternating = await guessesUntilLimited('10.7.0.1', (i) => (i % 2 ? a : b).url);
    const oneProcess = await guessesUntilLimited('10.7.0.2', () => a.url);

    assert.equal(alternating, oneProcess);
    assert.equal(alternating, DEFAULT_RATE_LIMITS.codeMiss.burst);
  });

  it('carries to an event stream on B the claim and the settlement made on A', async () => {
    const session = await createSession(a.url);
    const stream = await openSse(eventsUrl(b.url, session));
    const opened = await nextView(stream);
    const handoff = await createHandoff(a.url, session);

    await phone.via(a.url).claim(handoff.code);
    const claimedView = await nextView(stream);
    const options = await phone.authenticationOptions(handoff.code, opened.bindingCode);
    const confirmed = await phone.confirm(handoff.code, await phone.assert(options.body));
    const settledView = await nextView(stream);
    await stream.ended;

    assert.equal(confirmed.status, 200);
    assert.deepEqual(
      [opened.status, claimedView.status, settledView.status],
      ['open', 'claimed', 'settled'],
    );
    assert.ok(settledView.settlementToken);
  });

  it('carries to the streams on both processes the expiry made by the sweeper, whichever process runs it', async () => {
    const session = await createSession(a.url);
    const onA = await openSse(eventsUrl(a.url, session));
    const onB = await openSse(eventsUrl(b.url, session));
    await Promise.all([nextView(onA), nextView(onB)]);

    // Due now: the sweeper (every second, on one process at a time) expires it.
    await db.query('UPDATE sessions SET expires_at = $1 WHERE id = $2', [
      Date.now() - 1,
      session.id,
    ]);
    const [seenOnA, seenOnB] = await Promise.all([nextView(onA), nextView(onB)]);

    assert.deepEqual([seenOnA.status, seenOnB.status], ['expired', 'expired']);
    const expiries = await db.query(
      "SELECT count(*)::int AS n FROM session_events WHERE session_id = $1 AND status = 'expired'",
      [session.id],
    );
    assert.equal(expiries.rows[0].n, 1);
  });

  it('lets exactly one of ten phones claiming one hand-off code at once on both processes have it', async () => {
    const session = await createSession(a.url);
    const handoff = await createHandoff(b.url, session);
    const phones = Array.from({ length: 10 }, (_, i) => {
      const other = new BalancedPhone(processes.publicUrl, (i % 2 ? a : b).url);
      other.forwardedFor = `10.6.0.${i + 1}`;
      return other;
    });

    const claims = await Promise.all(phones.map((other) => other.claim(handoff.code)));

    const winners = claims.filter((claim) => claim.status === 200);
    assert.equal(winners.length, 1);
    assert.deepEqual(
      [...new Set(claims.filter((c) => c.status !== 200).map((c) => errorCodeOf(c.body)))],
      ['handoff_claimed'],
    );
    const claimedEvents = await db.query(
      "SELECT count(*)::int AS n FROM session_events WHERE session_id = $1 AND status = 'claimed'",
      [session.id],
    );
    assert.equal(claimedEvents.rows[0].n, 1);
  });

  it('signs on A a settlement token that verifies with B’s JWKS', async () => {
    const { session, code, bindingCode } = await claimed();
    const options = await phone.via(a.url).authenticationOptions(code, bindingCode);
    const confirmed = await phone.confirm(code, await phone.assert(options.body));
    const { body: view } = await publicSession(a.url, session);

    const claims = await verifySettlementToken(view.settlementToken ?? '', {
      issuer: processes.publicUrl,
      audience: DEMO.merchantId,
      jwksUrl: `${b.url}/.well-known/jwks.json`,
      expected: { orderId: session.orderId, amount: session.amount, currency: session.currency },
    });

    assert.equal(confirmed.status, 200);
    assert.equal(claims.jti, confirmed.body.settlementId);
  });

  it('refuses on B the secret key that a roll on A with expiresInSeconds 0 ended, once B has heard anything committed after the roll', async () => {
    const admin = { token: DEMO.adminKey };
    const created = await request<{ id: string; secretKey: string }>(
      a.url,
      'POST',
      '/v1/merchants',
      {
        ...admin,
        body: { name: `Roll shop ${Date.now()}`, allowedOrigins: ['https://shop.example'] },
      },
    );
    const oldKey = created.body.secretKey;
    const pay = (base: string, key: string): Promise<HttpResult> =>
      createSession(base, {}, key).then(
        () => ({ status: 201, body: null, headers: new Headers() }),
        (error: Error) => ({
          status: Number(/: (\d+)/.exec(error.message)?.[1]),
          body: error.message,
          headers: new Headers(),
        }),
      );
    // B has just used the old key: it is in B's merchant cache.
    const before = await pay(b.url, oldKey);
    // A stream on B: its next event is committed after the roll, and B's one listening
    // connection hears the announcements in the order they were committed.
    const marker = await createSession(a.url);
    const stream = await openSse(eventsUrl(b.url, marker));
    await nextView(stream);

    const rolled = await request<{ secretKey: string }>(
      a.url,
      'POST',
      `/v1/merchants/${created.body.id}/roll-secret-key`,
      { ...admin, body: { expiresInSeconds: 0 } },
    );
    await phone.via(a.url).claim((await createHandoff(a.url, marker)).code);
    assert.equal((await nextView(stream)).status, 'claimed');
    const oldOnB = await pay(b.url, oldKey);
    const newOnB = await pay(b.url, rolled.body.secretKey);

    assert.equal(created.status, 201);
    assert.equal(rolled.status, 201);
    assert.deepEqual([before.status, oldOnB.status, newOnB.status], [201, 401, 201]);
  });
});

describe('--seed-demo on three processes starting at once', { skip: SKIP_POSTGRES }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let processes: Processes;
  let db: pg.Pool;
  before(async () => {
    database = await freshDatabase();
    processes = await spawnProcesses(database.url, 3);
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  after(async () => {
    await processes.stop();
    await db.end();
    await database.drop();
  });

  it('seeds once: one merchant, one account, one admin key, one current signing key, the same JWKS everywhere', async () => {
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);

    const counts = {
      merchants: await count('SELECT count(*) AS n FROM merchants'),
      accounts: await count('SELECT count(*) AS n FROM accounts'),
      adminKeys: await count('SELECT count(*) AS n FROM admin_keys'),
      currentSigningKeys: await count(
        'SELECT count(*) AS n FROM signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL',
      ),
      merchantAudits: await count(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'merchant.created'",
      ),
    };
    const jwks = async () =>
      Promise.all(
        processes.list.map(async (p) =>
          JSON.stringify((await request(p.url, 'GET', '/.well-known/jwks.json')).body),
        ),
      );
    await eventually(async () => new Set(await jwks()).size === 1, 5000, 'the same JWKS');

    assert.deepEqual(counts, {
      merchants: 1,
      accounts: 1,
      adminKeys: 1,
      currentSigningKeys: 1,
      merchantAudits: 1,
    });
  });
});
