/**
 * Micro-benchmark of the JSON body checks (`src/server/http/body.ts`), not part of `npm run bench`:
 * what `checkJson` (nesting, `__proto__`, duplicate keys) adds to `JSON.parse` on a typical
 * checkout body, when counting clears the body and when the duplicate scan has to run.
 *
 *   node --import tsx bench/json-body.ts
 */
import { checkJson, findDuplicateKey } from '../src/server/http/body.js';

const typical = JSON.stringify({
  amount: 1500,
  currency: 'KRW',
  orderId: 'order-1001-abcdef',
  description: 'Flat white, oat milk, extra shot',
  metadata: { cart: 'c-42', 'customer.ref': 'u-98765', channel: 'web' },
});
// A `:` inside a string: the key count cannot clear it, so the scan runs.
const withColon = typical.replace('Flat white', 'Table 4: flat white');
// The same with an escape (a line break) as well.
const withColonAndEscape = typical.replace('Flat white', 'Table 4:\\nflat white');

/** The check before finding 10: nesting and `__proto__` on the parsed value. */
function previousCheck(value: unknown, depth: number): void {
  if (depth > 32) throw new Error('too deep');
  if (Array.isArray(value)) {
    for (const item of value) previousCheck(item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') throw new Error('__proto__');
      previousCheck((value as Record<string, unknown>)[key], depth + 1);
    }
  }
}

const cases: Record<string, () => unknown> = {
  'JSON.parse': () => JSON.parse(typical),
  'JSON.parse + previous check': () => previousCheck(JSON.parse(typical), 0),
  'JSON.parse + checkJson': () => checkJson(typical, JSON.parse(typical)),
  'JSON.parse + checkJson (":" in a string)': () => checkJson(withColon, JSON.parse(withColon)),
  'JSON.parse + checkJson (":" and "\\n")': () =>
    checkJson(withColonAndEscape, JSON.parse(withColonAndEscape)),
  'findDuplicateKey alone': () => findDuplicateKey(typical),
};

// Interleaved rounds, best of each: the machine may be shared, and the best round is the one
// least disturbed.
const best = new Map(Object.keys(cases).map((name) => [name, Infinity]));
for (const run of Object.values(cases)) for (let i = 0; i < 200_000; i++) run();
for (let round = 0; round < 40; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const n = 50_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run();
    const ns = Number(process.hrtime.bigint() - started) / n;
    best.set(name, Math.min(best.get(name) ?? Infinity, ns));
  }
}
console.log(`body: ${typical.length} characters (${withColonAndEscape.length} with ":" and "\\n")`);
for (const [name, ns] of best) console.log(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns`);
