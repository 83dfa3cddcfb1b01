// The issuer under test, alone in its own process (so load generators and browsers never share its
// event loop): `node bench/issuer-process.mjs` with its options as JSON in BENCH_ISSUER. It runs
// the issuer as shipped (`dualpay/server`, dist/server/), in plain Node; BENCH_ISSUER_FROM=src
// runs the TypeScript sources instead (start it with `--import tsx`; bench/lib/issuer.mjs does).
// Prints one JSON line `{"ready": true, url, port, pid}` once it listens.
//
// Bench-only controls travel over the IPC channel (never HTTP, so the issuer's routes are the real
// ones): `{type: 'memory'}` → process.memoryUsage() and the open SSE stream count; `{type: 'stop'}`
// → graceful close and exit 0 (which also writes a `--cpu-prof` profile when that flag is on);
// `{type: 'profile-start'}` / `{type: 'profile-stop', file}` → the V8 CPU profiler that
// `node --cpu-prof` uses, through node:inspector, over a load window only; writes `file`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const fromSource = process.env.BENCH_ISSUER_FROM === 'src';
const root = join(import.meta.dirname, '..');
const entry = pathToFileURL(
  join(root, fromSource ? 'src/server/index.ts' : 'dist/server/index.js'),
).href;
const { DEFAULT_RISK_POLICY, DEMO, startIssuer } = await import(entry);

/**
 * @type {{db: string, shopOrigins?: string[], sweepIntervalMs?: number, pollIntervalSec?: number,
 *   port?: number, experiment?: 'synchronous-normal'}}
 * `experiment` is for what-if runs, never the reported figures: `synchronous-normal` drops the
 * fsync at each commit (WAL + synchronous=NORMAL), the ceiling a durable group commit could reach.
 */
const options = JSON.parse(process.env.BENCH_ISSUER ?? '{}');
if (!options.db) throw new Error('BENCH_ISSUER.db is required');
const unlimited = { perMinute: 1e12, burst: 1e9 };
// The risk policy runs on every confirmation, with its defaults except the velocity limits: the
// load generator is 32 payers each paying ~40 times a second, which those limits exist to stop.
const riskPolicy = {
  ...DEFAULT_RISK_POLICY,
  limits: {
    ...DEFAULT_RISK_POLICY.limits,
    accountPaymentsShort: null,
    accountPaymentsLong: null,
    cardPaymentsShort: null,
  },
};

const running = await startIssuer({
  db: options.db,
  port: options.port ?? 0,
  seedDemo: options.shopOrigins ? { shopOrigins: options.shopOrigins } : true,
  sweepIntervalMs: options.sweepIntervalMs ?? 1000,
  ...(options.pollIntervalSec ? { pollIntervalSec: options.pollIntervalSec } : {}),
  logger: false,
  riskPolicy,
  // The load generators open 10,000 SSE streams and the keep-alive pools from 127.0.0.1.
  maxConnectionsPerIp: 0,
  rateLimits: {
    sessionCreate: unlimited,
    handoffCreate: unlimited,
    claim: unlimited,
    userCodeClaim: unlimited,
    enrollment: unlimited,
    codeMiss: unlimited,
    userCodeMissGlobal: unlimited,
  },
});

if (options.experiment === 'synchronous-normal') {
  running.issuer.store.db.pragma('synchronous = NORMAL');
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await running.close();
  process.exit(code);
}

/** @type {Session | null} */
let profiler = null;
async function profileStart() {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
  await profiler.post('Profiler.start');
}
async function profileStop(file) {
  if (!profiler) return;
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  profiler.disconnect();
  profiler = null;
}

process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
process.on('message', (message) => {
  const reply = (type) => () => process.send?.({ type, id: message.id });
  if (message.type === 'memory') {
    process.send?.({
      type: 'memory',
      id: message.id,
      memory: process.memoryUsage(),
      streams: running.app.streams.size,
      hubSessions: running.issuer.hub.size,
    });
  } else if (message.type === 'profile-start') {
    void profileStart().then(reply('profile-started'));
  } else if (message.type === 'profile-stop') {
    void profileStop(message.file ?? 'issuer.cpuprofile').then(reply('profile-stopped'));
  } else if (message.type === 'stop') {
    void stop();
  }
});

console.log(
  JSON.stringify({
    ready: true,
    url: running.url,
    port: running.port,
    pid: process.pid,
    merchant: DEMO.merchantId,
    from: fromSource ? 'src' : 'dist',
  }),
);
