/**
 * Figure 4b (`node --import tsx bench/store-commit.ts`): what one session creation costs inside
 * the SQLite store (dist/server's `SqliteStore.createSession`: session row, `open` event, audit
 * row), without HTTP, and how much of it is the durable COMMIT:
 *  - one creation at a time (each awaited), synchronous = FULL — a lone request;
 *  - the same with synchronous = NORMAL (no fsync per commit; not durable on power loss);
 *  - 16 and 64 creations issued together (Promise.all), FULL — what concurrent requests look like
 *    to the store. A store with group commit (writes of one event-loop turn share one COMMIT)
 *    gains here; one without it runs them one transaction each.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionRecord } from '../src/server/store/types.js';
import { server } from './lib/dist.js';
import { table, writeResult } from './lib/common.mjs';

const N = 3000;
let counter = 0;

function record(now: number): SessionRecord {
  const id = `cs_${randomBytes(16).toString('base64url')}`;
  const n = ++counter;
  return {
    id,
    merchantId: 'm_bench',
    status: 'open',
    amount: 1500,
    currency: 'KRW',
    orderId: `order-${n}`,
    description: 'Coffee',
    metadata: {},
    clientSecret: `${id}_secret_${randomBytes(24).toString('base64url')}`,
    bindingCode: '42',
    txn: randomBytes(32).toString('base64url'),
    idempotencyKey: `key-${n}`,
    requestHash: randomBytes(32).toString('hex'),
    phoneTokenHash: null,
    failedAttempts: 0,
    createdAt: now,
    expiresAt: now + 600_000,
    settlementId: null,
    settlementToken: null,
    errorCode: null,
    eventSeq: 0,
    pageNetwork: null,
  };
}

const actor = { actor: 'merchant:m_bench', ip: '127.0.0.1', userAgent: 'bench' };
const audit = (action: string) => ({ ...actor, at: Date.now(), action });

async function run(
  dir: string,
  name: string,
  synchronous: 'FULL' | 'NORMAL',
  batch: number,
): Promise<{ name: string; microsecondsPerCreation: number; creationsPerSecond: number }> {
  const store = new server.SqliteStore(join(dir, `${name}.db`));
  store.db.pragma(`synchronous = ${synchronous}`);
  await store.createMerchant(
    {
      id: 'm_bench',
      name: 'Bench',
      nameKey: 'bench',
      mode: 'test',
      allowedOrigins: [],
      webhookUrl: null,
      createdAt: Date.now(),
    },
    {
      keyHash: randomBytes(32).toString('hex'),
      merchantId: 'm_bench',
      prefix: 'sk_test_',
      createdAt: Date.now(),
      expiresAt: null,
    },
    audit('merchant.created'),
  );
  // Warm-up.
  for (let i = 0; i < 200; i++)
    await store.createSession(record(Date.now()), audit('session.created'));
  const started = performance.now();
  for (let i = 0; i < N; i += batch) {
    await Promise.all(
      Array.from({ length: batch }, () =>
        store.createSession(record(Date.now()), audit('session.created')),
      ),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return {
    name,
    microsecondsPerCreation: Number(((seconds / N) * 1e6).toFixed(1)),
    creationsPerSecond: Math.round(N / seconds),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'dualpay-bench-store-'));
try {
  const rows = [
    await run(dir, 'one at a time, FULL', 'FULL', 1),
    await run(dir, 'one at a time, NORMAL (no fsync)', 'NORMAL', 1),
    await run(dir, '16 at once, FULL', 'FULL', 16),
    await run(dir, '64 at once, FULL', 'FULL', 64),
  ];
  writeResult('store-commit', { creations: N, rows });
  console.log('\n== 4b. SqliteStore.createSession alone (no HTTP), per creation ==');
  console.log(
    table([
      ['how', 'µs/creation', 'creations/s'],
      ...rows.map((r) => [r.name, r.microsecondsPerCreation, r.creationsPerSecond]),
    ]),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
