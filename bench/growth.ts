/**
 * Figure 6 (`node --import tsx bench/growth.ts`): how the cost of a creation and a confirmation
 * grows with the data already there. For 0, 10k, 100k and 1M finished sessions pre-filled
 * straight into the database (bench/prefill.ts), shorter runs than figure 4: 3 rounds of 2 s of
 * creations, then 3 rounds of 700 prepared confirmations; the median round is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kb, table, writeResult } from './lib/common.mjs';
import { prefill } from './prefill.js';
import { measure } from './throughput.js';

const LEVELS = (process.env.BENCH_GROWTH_LEVELS ?? '0,10000,100000,1000000').split(',').map(Number);

async function main(): Promise<void> {
  const started = Date.now();
  const rows = [];
  for (const level of LEVELS) {
    const dir = mkdtempSync(join(tmpdir(), 'dualpay-bench-growth-'));
    try {
      const db = join(dir, 'issuer.db');
      const filled = level > 0 ? await prefill(db, level) : { seconds: 0, rows: 0 };
      const m = await measure(db, { rounds: 3, createSeconds: 2, confirms: 700 });
      rows.push({
        sessions: level,
        prefill: { seconds: Number(filled.seconds.toFixed(1)), rows: filled.rows },
        create: m.create,
        confirm: m.confirm,
        dbBytesAfter: m.dbAfterClose.total,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = rows[0];
  const result = {
    method:
      'fresh database per level; pre-filled with direct inserts in one transaction (bench/prefill.ts), then `sync`; issuer in its own process; autocannon, 16 connections; 3 rounds of 2 s of creations, then 3 rounds of 700 confirmations prepared through the API; median round reported',
    levels: rows.map((r) => ({
      ...r,
      createVsEmpty: base ? Number((r.create.perSecond / base.create.perSecond).toFixed(2)) : null,
      confirmVsEmpty: base
        ? Number((r.confirm.perSecond / base.confirm.perSecond).toFixed(2))
        : null,
    })),
    seconds: (Date.now() - started) / 1000,
  };
  writeResult('growth', result);
  console.log('\n== 6. Cost growth with data already in the database ==');
  console.log('  (* = every round ran next to other work: foreign CPU ≥ 0.35 cores)');
  console.log(
    table([
      [
        'sessions in db',
        'fill',
        'db size',
        'creations/s',
        'p99',
        'rounds',
        'confirmations/s',
        'p99',
        'rounds',
      ],
      ...result.levels.map((r) => [
        r.sessions.toLocaleString('en'),
        `${r.prefill.seconds} s`,
        r.dbBytesAfter > 1e9 ? `${(r.dbBytesAfter / 2 ** 30).toFixed(2)} GB` : kb(r.dbBytesAfter),
        `${r.create.perSecond}${r.create.noisy ? '*' : ''} (${r.createVsEmpty}×)`,
        `${r.create.latencyMs.p99} ms`,
        r.create.rounds.join(', '),
        `${r.confirm.perSecond}${r.confirm.noisy ? '*' : ''} (${r.confirmVsEmpty}×)`,
        `${r.confirm.latencyMs.p99} ms`,
        r.confirm.rounds.join(', '),
      ]),
    ]),
  );
}

await main();
