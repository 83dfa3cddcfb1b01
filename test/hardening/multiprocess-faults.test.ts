/**
 * Faults of an issuer run as several processes on PostgreSQL: one process SIGKILLed in the middle
 * of payments (its sessions go on through the others; nothing is lost or settled twice), and
 * PostgreSQL itself stopped mid-payment (requests answer a coded 503 with Retry-After, nothing is
 * half-written, and the same processes serve again once it is back, streams catching up).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { findPgBin, startPgCluster, type PgCluster } from '../../scripts/pg-cluster.mjs';
import type { PublicSession, Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { freshDatabase, SKIP_POSTGRES } from '../support/postgres.js';
import {
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  type HttpResult,
} from '../server/support/harness.js';
import {
  BalancedPhone,
  eventually,
  spawnProcesses,
  type Processes,
} from '../server/support/multiprocess.js';
import { spawnIssuer, type IssuerProcess } from '../server/support/process.js';
import { openSse, type SseStream } from '../server/support/sse.js';

/** One proxy hop trusted: the test's payments pose as different clients with X-Forwarded-For. */
const TRUST_PROXY = ['--trust-proxy', '1'];

const eventsUrl = (base: string, session: Session) =>
  `${base}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

async function nextView(stream: SseStream, timeoutMs = 15_000): Promise<PublicSession> {
  return JSON.parse((await stream.next(timeoutMs)).data) as PublicSession;
}

/** A claimed session with its signed assertion, ready to confirm anywhere. */
interface Ready {
  session: Session;
  code: string;
  assertion: AuthenticationResponseJSON;
}

/** Each prepared payment comes from its own client address (the per-client limits stay out of the way). */
let clients = 0;

async function prepare(phone: BalancedPhone, base: string): Promise<Ready> {
  const client = `10.9.${Math.floor(++clients / 250)}.${clients % 250}`;
  const session = await createSession(base);
  const { body: view } = await publicSession(base, session);
  const made = await request<{ code: string }>(
    base,
    'POST',
    `/v1/checkout-sessions/${session.id}/handoffs`,
    { token: session.clientSecret, headers: { 'x-forwarded-for': client } },
  );
  assert.equal(made.status, 201);
  const handoff = made.body;
  phone.forwardedFor = client;
  assert.equal((await phone.via(base).claim(handoff.code)).status, 200);
  const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
  // Counter 0 (as passkeys send): the confirmations may settle in any order.
  phone.forwardedFor = undefined;
  return {
    session,
    code: handoff.code,
    assertion: await phone.assert(options.body, { counter: 0 }),
  };
}

/** Confirms `ready` at `base`; a network failure (the process died) is status 0. */
async function confirmAt(
  base: string,
  ready: Ready,
  phone: BalancedPhone,
): Promise<HttpResult<{ settlementId?: string }>> {
  return request<{ settlementId?: string }>(base, 'POST', `/v1/handoffs/${ready.code}/confirm`, {
    body: { response: ready.assertion },
    headers: { origin: phone.origin, cookie: phone.cookie },
  }).catch(() => ({ status: 0, body: {}, headers: new Headers() }));
}

/**
 * What must hold of every session at any moment: settled exactly when it has one ledger entry,
 * one `settled` event and its settlement id; never a ledger entry or a settled event without it.
 */
async function assertWhole(db: pg.Pool, sessionIds: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query(
    `SELECT s.id, s.status, s.settlement_id,
       (SELECT count(*)::int FROM ledger_entries l WHERE l.session_id = s.id) AS ledger,
       (SELECT count(*)::int FROM ledger_entries l WHERE l.session_id = s.id AND l.id = s.settlement_id) AS own,
       (SELECT count(*)::int FROM session_events e WHERE e.session_id = s.id AND e.status = 'settled') AS events,
       (SELECT count(*)::int FROM audit_log a WHERE a.session_id = s.id AND a.action = 'session.settled') AS audits
     FROM sessions s WHERE s.id = ANY($1)`,
    [sessionIds],
  );
  assert.equal(rows.length, sessionIds.length);
  const statuses = new Map<string, string>();
  for (const row of rows) {
    const settled = row.status === 'settled';
    const expected = settled ? [1, 1, 1, 1] : [0, 0, 0, 0];
    assert.deepEqual([row.ledger, row.own, row.events, row.audits], expected, JSON.stringify(row));
    assert.equal(row.settlement_id !== null, settled);
    statuses.set(String(row.id), String(row.status));
  }
  return statuses;
}

/** The answer a retried confirm may get once its payment settled elsewhere. */
const SETTLED_ALREADY = new Set(['session_settled', 'handoff_claimed', 'authentication_failed']);

describe('SIGKILL of one of two issuer processes', { skip: SKIP_POSTGRES }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let processes: Processes;
  let db: pg.Pool;
  let phone: BalancedPhone;
  before(async () => {
    database = await freshDatabase();
    processes = await spawnProcesses(database.url, 2, TRUST_PROXY);
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    phone = new BalancedPhone(processes.publicUrl, processes.list[1]!.url);
    await phone.enrol();
  });
  after(async () => {
    await processes.stop();
    await db.end();
    await database.drop();
  });

  /** Kills A (SIGKILL) and starts it again on its port, so that the next test has two. */
  async function killA(): Promise<void> {
    const [a] = processes.list as [IssuerProcess, IssuerProcess];
    await a.kill();
  }
  async function restartA(): Promise<void> {
    const a = processes.list[0] as IssuerProcess;
    processes.list[0] = await spawnIssuer(a.port, database.url, [
      '--public-url',
      processes.publicUrl,
      ...TRUST_PROXY,
    ]);
  }

  it('finishes through B a payment claimed on A before A was killed, with B’s stream hearing it', async () => {
    const [a, b] = processes.list as [IssuerProcess, IssuerProcess];
    const session = await createSession(a.url);
    const stream = await openSse(eventsUrl(b.url, session));
    const opened = await nextView(stream);
    const handoff = await createHandoff(a.url, session);
    await phone.via(a.url).claim(handoff.code);
    await nextView(stream);

    await killA();
    const options = await phone.via(b.url).authenticationOptions(handoff.code, opened.bindingCode);
    // Counter 0, as every approval of this file: the card's counter never runs ahead of them.
    const assertion = await phone.assert(options.body, { counter: 0 });
    const confirmed = await phone.confirm(handoff.code, assertion);
    const settled = await nextView(stream);
    await restartA();

    assert.equal(options.status, 200);
    assert.equal(confirmed.status, 200);
    assert.equal(settled.status, 'settled');
    await assertWhole(db, [session.id]);
  });

  it('loses no payment and settles none twice when A is killed in a burst of confirms over both', async () => {
    const [a, b] = processes.list as [IssuerProcess, IssuerProcess];
    const batch: Ready[] = [];
    for (let i = 0; i < 40; i++) batch.push(await prepare(phone, i % 2 ? a.url : b.url));

    const fired = batch.map((ready, i) => confirmAt(i % 2 ? a.url : b.url, ready, phone));
    await new Promise((resolve) => setTimeout(resolve, 15));
    await killA();
    const first = await Promise.all(fired);
    // Whatever A did not answer is sent again to B (the payer's phone retries the same approval).
    const retried = await Promise.all(
      batch.map((ready, i) => (first[i]?.status === 200 ? null : confirmAt(b.url, ready, phone))),
    );
    await restartA();

    const statuses = await assertWhole(
      db,
      batch.map((ready) => ready.session.id),
    );
    assert.deepEqual([...new Set(statuses.values())], ['settled']);
    const bAnswers = [...first.filter((_, i) => i % 2 === 0), ...retried.filter((r) => r !== null)];
    for (const answer of bAnswers) {
      assert.ok(
        answer.status === 200 || SETTLED_ALREADY.has(errorCodeOf(answer.body) ?? ''),
        JSON.stringify(answer),
      );
    }
    assert.ok(
      first.some((answer) => answer.status === 0),
      'A was killed with confirms in flight',
    );
  });
});

/** Stops or starts the cluster's server, keeping its data (`cluster.stop()` deletes it). */
function pgCtl(cluster: PgCluster, args: string[]): void {
  const bin = join(cluster.bin, 'pg_ctl');
  const root = process.getuid?.() === 0;
  const result = root
    ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' })
    : spawnSync(bin, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pg_ctl ${args.join(' ')}: ${result.stderr}`);
}

describe(
  'PostgreSQL stopped in the middle of payments on two issuer processes',
  { skip: findPgBin() ? false : 'needs PostgreSQL installed (apt-get install postgresql)' },
  () => {
    let cluster: PgCluster;
    let processes: Processes;
    let db: pg.Pool;
    let phone: BalancedPhone;
    before(async () => {
      cluster = await startPgCluster();
      processes = await spawnProcesses(cluster.url, 2, TRUST_PROXY);
      db = new pg.Pool({ connectionString: cluster.url, max: 2 });
      db.on('error', () => undefined);
      phone = new BalancedPhone(processes.publicUrl, processes.list[0]!.url);
      await phone.enrol();
    });
    after(async () => {
      await processes.stop();
      await db.end();
      cluster.stop();
    });

    const stopServer = () =>
      pgCtl(cluster, ['-D', join(cluster.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    const startServer = () =>
      pgCtl(cluster, [
        '-D',
        join(cluster.dir, 'data'),
        '-o',
        `-c listen_addresses=127.0.0.1 -c port=${cluster.port} -c unix_socket_directories=${cluster.dir} -c max_connections=200`,
        '-l',
        join(cluster.dir, 'log'),
        '-w',
        'start',
      ]);

    it('answers 503 service_unavailable with Retry-After, writes nothing half, and serves again without a restart, streams catching up', async () => {
      const [a, b] = processes.list as [IssuerProcess, IssuerProcess];
      const batch: Ready[] = [];
      for (let i = 0; i < 30; i++) batch.push(await prepare(phone, i % 2 ? a.url : b.url));
      const held = await prepare(phone, a.url);
      const streamOnB = await openSse(eventsUrl(b.url, held.session));
      const streamOnA = await openSse(eventsUrl(a.url, held.session));
      await Promise.all([nextView(streamOnB), nextView(streamOnA)]);

      const fired = batch.map((ready, i) => confirmAt(i % 2 ? a.url : b.url, ready, phone));
      await new Promise((resolve) => setTimeout(resolve, 10));
      stopServer();
      const during = await Promise.all(fired);
      const down = [
        await confirmAt(b.url, held, phone),
        await request(a.url, 'GET', `/v1/checkout-sessions/${held.session.id}`, {
          token: DEMO.secretKey,
        }),
        await request(b.url, 'GET', eventsUrl(b.url, held.session)),
      ];
      startServer();

      // Every answer during the outage: settled, or a coded 503 to retry; never anything else.
      for (const answer of [...during, ...down]) {
        if (answer.status === 200) continue;
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        assert.equal(errorCodeOf(answer.body), 'service_unavailable');
        assert.equal(answer.headers.get('retry-after'), '1');
      }
      for (const answer of down) assert.equal(answer.status, 503);
      // Nothing half-written by the writes PostgreSQL's stop cut off.
      const ids = [...batch, held].map((ready) => ready.session.id);
      await eventually(
        async () => (await db.query('SELECT 1').catch(() => null)) !== null,
        15_000,
        'PostgreSQL back',
      );
      await assertWhole(db, ids);

      // The same processes, not restarted: the held payment settles through A, and the streams
      // on both (whose processes lost their listening connection) hear it.
      let confirmed: HttpResult = await confirmAt(a.url, held, phone);
      await eventually(
        async () => {
          if (confirmed.status === 503) confirmed = await confirmAt(a.url, held, phone);
          return confirmed.status !== 503;
        },
        15_000,
        'the issuer to answer again',
      );
      const [heardOnB, heardOnA] = await Promise.all([nextView(streamOnB), nextView(streamOnA)]);
      // The approvals the outage cut off go through once retried.
      const retried = await Promise.all(
        batch.map((ready, i) =>
          during[i]?.status === 200 ? null : confirmAt(i % 2 ? b.url : a.url, ready, phone),
        ),
      );

      assert.equal(confirmed.status, 200);
      assert.deepEqual([heardOnB.status, heardOnA.status], ['settled', 'settled']);
      for (const answer of retried) {
        if (answer) {
          assert.ok(
            answer.status === 200 || SETTLED_ALREADY.has(errorCodeOf(answer.body) ?? ''),
            JSON.stringify(answer),
          );
        }
      }
      const statuses = await assertWhole(db, ids);
      assert.deepEqual([...new Set(statuses.values())], ['settled']);
      assert.ok(
        during.some((answer) => answer.status === 503),
        'the stop cut off some approvals',
      );
    });
  },
);
