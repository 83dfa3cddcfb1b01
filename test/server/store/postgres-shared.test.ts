/**
 * What several issuer processes share through `PgStore` beyond the `Store` interface: committed
 * events as they happen (LISTEN/NOTIFY, with reconnection), rate-limit buckets and advisory locks
 * for singletons. Two `PgStore`s (two pools) stand in for two processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  T0,
  audit,
  claimedSession,
  keyOf,
  merchantRecord,
  sessionRecord,
  withPayer,
} from './fixtures.js';
import { freshDatabase, SKIP_POSTGRES } from '../../support/postgres.js';
import { RateLimiter } from '../../../src/server/rate-limit.js';
import { openPgStore, type PgStore } from '../../../src/server/store/postgres/store.js';
import type { SessionEventRecord } from '../../../src/server/store/types.js';

/** Resolves once `check` holds (polled), or fails after `timeoutMs`. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('PgStore shared between processes', { skip: SKIP_POSTGRES }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let one: PgStore;
  let two: PgStore;
  before(async () => {
    database = await freshDatabase();
    [one, two] = await Promise.all([
      openPgStore({ connectionString: database.url }),
      openPgStore({ connectionString: database.url }),
    ]);
  });
  after(async () => {
    await Promise.all([one.close(), two.close()]);
    await database.drop();
  });

  describe('subscribeEvents', () => {
    // Subscriptions a failed test left running, stopped so that the next test starts clean.
    const running: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(running.splice(0).map((stop) => stop()));
    });
    it('delivers the events another process commits, in order, and none of a refused write', async () => {
      const heard: SessionEventRecord[] = [];
      const stop = await one.subscribeEvents(
        (event) => heard.push(event),
        () => undefined,
      );
      running.push(stop);
      const payer = await withPayer(two);

      const claimed = await claimedSession(two, payer.merchant.id);
      const refused = await two.settle({
        sessionId: claimed.session.id,
        challenge: 'not-the-challenge',
        card: { id: payer.card.id, expectedCounter: 0, newCounter: 1 },
        limit: { accountId: payer.accountId, since: T0, amount: 1500, max: 1_000_000 },
        settlementId: `stl_${randomBytes(8).toString('hex')}`,
        token: 'header.payload.signature',
        now: T0 + 2000,
        audit: audit('session.settled', claimed.session.id),
      });
      const cancelled = await two.finish({
        sessionId: claimed.session.id,
        from: ['claimed'],
        to: 'cancelled',
        errorCode: 'session_cancelled',
        now: T0 + 3000,
        audit: audit('session.cancelled', claimed.session.id),
      });
      await eventually(() => heard.length >= 3);
      await stop();

      assert.equal(refused.ok, false);
      assert.equal(cancelled.ok, true);
      assert.deepEqual(heard, await two.listEventsAfter(claimed.session.id, 0));
      assert.deepEqual(
        heard.map((event) => [event.seq, event.status, event.errorCode]),
        [
          [1, 'open', null],
          [2, 'claimed', null],
          [3, 'cancelled', 'session_cancelled'],
        ],
      );
    });

    it('reconnects when its connection is killed, calls onReconnect, and hears later events', async () => {
      const heard: SessionEventRecord[] = [];
      let reconnects = 0;
      const stop = await one.subscribeEvents(
        (event) => heard.push(event),
        () => {
          reconnects++;
        },
      );
      running.push(stop);
      const merchant = merchantRecord();
      await two.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));

      const killed = await two.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'dualpay-events' AND datname = current_database()`,
      );
      // Committed while nobody listens: not heard, but in the table for the catch-up.
      const missed = sessionRecord(merchant.id);
      await two.createSession(missed, audit('session.created'));
      await eventually(() => reconnects === 1);
      const later = sessionRecord(merchant.id);
      await two.createSession(later, audit('session.created'));
      await eventually(() => heard.some((event) => event.sessionId === later.id));
      await stop();

      assert.equal(killed.rowCount, 1);
      assert.equal(reconnects, 1);
      assert.deepEqual(
        (await one.listEventsAfter(missed.id, 0)).map((event) => event.status),
        ['open'],
      );
    });

    it('stops hearing once stopped, and when the store closes', async () => {
      const heard: SessionEventRecord[] = [];
      const stop = await one.subscribeEvents(
        (event) => heard.push(event),
        () => undefined,
      );
      running.push(stop);
      await stop();
      const third = await openPgStore({ connectionString: database.url });
      await third.subscribeEvents(
        (event) => heard.push(event),
        () => undefined,
      );
      await third.close();
      const merchant = merchantRecord();
      await two.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      await two.createSession(sessionRecord(merchant.id), audit('session.created'));
      await new Promise((resolve) => setTimeout(resolve, 100));

      const listeners = await two.pool.query(
        `SELECT 1 FROM pg_stat_activity
         WHERE application_name = 'dualpay-events' AND datname = current_database()`,
      );
      assert.deepEqual(heard, []);
      assert.equal(listeners.rowCount, 0);
    });
  });

  describe('takeRateToken', () => {
    const rule = { perMinute: 60, burst: 5 };

    it('spends one bucket from both processes: alternating, they run out as fast as one alone', async () => {
      const key = `shared:${randomBytes(4).toString('hex')}`;
      const alone = `alone:${randomBytes(4).toString('hex')}`;

      const alternating: number[] = [];
      const single: number[] = [];
      for (let i = 0; i < 7; i++) {
        alternating.push(await (i % 2 === 0 ? one : two).takeRateToken(key, rule, T0));
        single.push(await one.takeRateToken(alone, rule, T0));
      }

      assert.deepEqual(alternating, [0, 0, 0, 0, 0, 1, 1]);
      assert.deepEqual(alternating, single);
    });

    it('answers as the in-memory RateLimiter does, over time, for take and peek', async () => {
      const key = `same:${randomBytes(4).toString('hex')}`;
      const limiter = new RateLimiter();
      const tight = { perMinute: 6, burst: 2 };
      const steps = [0, 0, 0, 1000, 9_999, 10_000, 10_001, 30_000, 30_000, 30_000, 95_000];

      const expected: [number, number][] = [];
      const actual: [number, number][] = [];
      for (const [i, offset] of steps.entries()) {
        const store = i % 2 === 0 ? one : two;
        expected.push([
          limiter.peek('k', tight, T0 + offset),
          limiter.take('k', tight, T0 + offset),
        ]);
        actual.push([
          await store.peekRateToken(key, tight, T0 + offset),
          await store.takeRateToken(key, tight, T0 + offset),
        ]);
      }

      assert.deepEqual(actual, expected);
      assert.ok(actual.some(([, wait]) => wait > 1));
    });

    it('allows exactly the burst when fifty takes race from two processes', async () => {
      const key = `race:${randomBytes(4).toString('hex')}`;

      const waits = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? one : two).takeRateToken(key, { perMinute: 1, burst: 10 }, T0),
        ),
      );

      assert.equal(waits.filter((wait) => wait === 0).length, 10);
    });

    it('never refills for time going backwards (another process’s clock may lag)', async () => {
      const key = `clock:${randomBytes(4).toString('hex')}`;
      const once = { perMinute: 60, burst: 1 };

      const first = await one.takeRateToken(key, once, T0 + 10_000);
      const lagging = await two.takeRateToken(key, once, T0);
      const stillEmpty = await one.takeRateToken(key, once, T0 + 10_500);
      const refilled = await two.takeRateToken(key, once, T0 + 11_000);

      assert.deepEqual([first, lagging, stillEmpty, refilled], [0, 1, 1, 0]);
    });

    it('sweeps buckets untouched since a time, keeping the others', async () => {
      const old = `old:${randomBytes(4).toString('hex')}`;
      const fresh = `fresh:${randomBytes(4).toString('hex')}`;
      await one.takeRateToken(old, rule, T0 - 600_001);
      await one.takeRateToken(fresh, rule, T0);

      const swept = await two.sweepRateBuckets(T0 - 600_000);

      assert.ok(swept >= 1);
      const left = await one.pool.query<{ bucket_key: string }>(
        'SELECT bucket_key FROM rate_buckets WHERE bucket_key = ANY($1)',
        [[old, fresh]],
      );
      assert.deepEqual(
        left.rows.map((row) => row.bucket_key),
        [fresh],
      );
    });
  });

  describe('withTryAdvisoryLock', () => {
    it('runs on one process at a time, and on the other once the first is done', async () => {
      const name = `sweeper-${randomBytes(4).toString('hex')}`;
      const release = deferred();
      const started = deferred();

      const holder = one.withTryAdvisoryLock(name, async () => {
        started.resolve();
        await release.promise;
        return 'first';
      });
      await started.promise;
      const meanwhileOther = await two.withTryAdvisoryLock(name, async () => 'second');
      const meanwhileSame = await one.withTryAdvisoryLock(name, async () => 'third');
      const otherName = await two.withTryAdvisoryLock(`${name}-b`, async () => 'other lock');
      release.resolve();
      const first = await holder;
      const afterwards = await two.withTryAdvisoryLock(name, async () => 'second');

      assert.deepEqual(
        [first, meanwhileOther, meanwhileSame, otherName, afterwards],
        ['first', undefined, undefined, 'other lock', 'second'],
      );
    });

    it('releases the lock when the function throws', async () => {
      const name = `throws-${randomBytes(4).toString('hex')}`;

      await assert.rejects(
        one.withTryAdvisoryLock(name, async () => {
          throw new Error('sweep failed');
        }),
        /sweep failed/,
      );
      const next = await two.withTryAdvisoryLock(name, async () => 'ran');

      assert.equal(next, 'ran');
    });
  });
});
