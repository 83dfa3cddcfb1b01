/**
 * The PostgreSQL store when the database goes away: calls fail with `StoreUnavailableError` (the
 * HTTP layer's coded 503), the process survives its idle connections dying, and the same store
 * works again once the server is back. Runs its own throwaway cluster, stopped and started here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { T0, audit, keyOf, merchantRecord, sessionRecord, withPayer } from './fixtures.js';
import { findPgBin, startPgCluster, type PgCluster } from '../../../scripts/pg-cluster.mjs';
import { StoreUnavailableError } from '../../../src/server/store/contract.js';
import { openPgStore, type PgStore } from '../../../src/server/store/postgres/store.js';
import { isUnavailable, storeError } from '../../../src/server/store/postgres/unavailable.js';

describe('StoreUnavailableError classification', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it('treats lost or refused connections and a server going away as unavailable', () => {
    const unavailable = [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('57P01'),
      withCode('57P03'),
      withCode('08006'),
      withCode('08001'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect'),
    ];

    for (const error of unavailable) {
      assert.ok(storeError(error) instanceof StoreUnavailableError, error.message);
      assert.equal((storeError(error) as Error).cause, error);
    }
  });

  it('lets every other error through as it is', () => {
    for (const error of [
      withCode('23505'),
      withCode('40P01'),
      withCode('42601'),
      new TypeError('x'),
    ]) {
      assert.equal(isUnavailable(error), false);
      assert.equal(storeError(error), error);
    }
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

const stopServer = (cluster: PgCluster) =>
  pgCtl(cluster, ['-D', join(cluster.dir, 'data'), '-m', 'fast', '-w', 'stop']);
const startServer = (cluster: PgCluster) =>
  pgCtl(cluster, [
    '-D',
    join(cluster.dir, 'data'),
    '-o',
    `-c listen_addresses=127.0.0.1 -c port=${cluster.port} -c unix_socket_directories=${cluster.dir}`,
    '-l',
    join(cluster.dir, 'log'),
    '-w',
    'start',
  ]);

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isUnavailableError = (error: unknown) => error instanceof StoreUnavailableError;

describe(
  'PgStore when PostgreSQL goes away',
  {
    skip: findPgBin()
      ? false
      : 'needs PostgreSQL installed (apt-get install postgresql, or PG_BIN)',
  },
  () => {
    let cluster: PgCluster;
    let store: PgStore;
    const warnings: string[] = [];
    before(async () => {
      cluster = await startPgCluster();
      store = await openPgStore({
        connectionString: cluster.url,
        max: 4,
        connectionTimeoutMillis: 2000,
        logger: { warn: (_detail, message) => warnings.push(message) },
      });
    });
    after(async () => {
      await store.close();
      cluster.stop();
    });

    it('throws StoreUnavailableError while the server is down, then works again without reopening', async () => {
      let reconnects = 0;
      const heard: string[] = [];
      const stop = await store.subscribeEvents(
        (event) => heard.push(event.sessionId),
        () => {
          reconnects++;
        },
      );
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      await Promise.all([store.getMerchant(merchant.id), store.listMerchants()]);

      stopServer(cluster);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const down = [
        store.getMerchant(merchant.id),
        store.createSession(sessionRecord(merchant.id), audit('session.created')),
        store.takeRateToken('k', { perMinute: 60, burst: 5 }, T0),
        store.withTryAdvisoryLock('sweeper', async () => 'ran'),
        store.subscribeEvents(
          () => undefined,
          () => undefined,
        ),
      ];
      for (const call of down) await assert.rejects(call, isUnavailableError);

      startServer(cluster);
      // The same store, not reopened: its pool connects afresh, its listener listens again.
      const again = sessionRecord(merchant.id);
      const created = await store.createSession(again, audit('session.created'));
      await eventually(() => reconnects >= 1);
      const later = sessionRecord(merchant.id);
      await store.createSession(later, audit('session.created'));
      await eventually(() => heard.includes(later.id));
      await stop();

      assert.equal(created.outcome, 'created');
      assert.equal((await store.getMerchant(merchant.id))?.id, merchant.id);
      assert.ok(warnings.some((message) => message.includes('idle connection')));
    });

    it('throws StoreUnavailableError for a write whose connection is terminated, writing nothing', async () => {
      const payer = await withPayer(store);
      const holder = new pg.Client({ connectionString: cluster.url });
      holder.on('error', () => undefined);
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [payer.accountId]);

      // Settled as soon as its connection dies, possibly before anyone awaits it.
      const blocked = store
        .updateAccount(payer.accountId, { monthlyLimit: 1 }, audit('account.limit'))
        .then(
          () => 'written',
          (error: unknown) => error,
        );
      let pid: number | undefined;
      const deadline = Date.now() + 5000;
      while (pid === undefined && Date.now() < deadline) {
        const waiting = await holder.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'dualpay' AND wait_event_type = 'Lock'`,
        );
        pid = waiting.rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(pid, 'the write waits for the row lock');
      await holder.query('SELECT pg_terminate_backend($1)', [pid]);
      assert.ok((await blocked) instanceof StoreUnavailableError);
      await holder.query('ROLLBACK');
      await holder.end();

      assert.equal((await store.getAccount(payer.accountId))?.monthlyLimit, 1_000_000);
      const changed = await store.updateAccount(payer.accountId, { monthlyLimit: 2 }, audit('a'));
      assert.equal(changed?.monthlyLimit, 2);
    });
  },
);
