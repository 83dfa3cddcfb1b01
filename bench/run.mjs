// `npm run bench`: every benchmark of the performance budgets (BENCHMARKS.md), one process each, in order; figures on stdout
// and as JSON in bench/results/. Benchmarks report, they never fail on a timing: the exit code is
// non-zero only when a benchmark itself crashed.
//
//   npm run bench                      # everything (about 11–13 minutes on 2 cores)
//   npm run bench -- size latency      # some: size latency throughput store fanout growth postgres
//
// `postgres` (two issuer processes on one PostgreSQL) uses DATABASE_URL, or starts a throwaway
// cluster when PostgreSQL is installed; without either it says it was skipped.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromiumExecutable } from '../scripts/chromium.mjs';
import { BENCH_DIR, RESULTS_DIR, ROOT, kb, pass, table, writeResult } from './lib/common.mjs';

const STEPS = [
  { name: 'size', file: 'size.mjs', tsx: false },
  { name: 'latency', file: 'browser.ts', tsx: true },
  { name: 'throughput', file: 'throughput.ts', tsx: true },
  { name: 'store', file: 'store-commit.ts', tsx: true },
  { name: 'fanout', file: 'fanout.ts', tsx: true },
  { name: 'growth', file: 'growth.ts', tsx: true },
  { name: 'postgres', file: 'postgres.ts', tsx: true },
];

const started = Date.now();
const wanted = process.argv.slice(2);
const steps = wanted.length ? STEPS.filter((s) => wanted.includes(s.name)) : STEPS;
if (wanted.length && steps.length !== wanted.length) {
  console.error(`unknown step; choose from: ${STEPS.map((s) => s.name).join(' ')}`);
  process.exit(2);
}

// ── build when dist/ is missing or older than the sources it is built from ──
const OUTPUTS = [
  'dist/cdn/dualpay.js',
  'dist/server/index.js',
  'dist/element/index.js',
  'dist/phone/confirm.js',
];
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
const missing = OUTPUTS.filter((f) => !existsSync(join(ROOT, f)));
const stale =
  missing.length === 0 &&
  Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'rollup.config.mjs')).mtimeMs) >
    Math.min(...OUTPUTS.map((f) => statSync(join(ROOT, f)).mtimeMs));
if (missing.length || stale) {
  console.log(`bench: dist/ is ${missing.length ? 'missing' : 'older than src/'}: npm run build`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

// ── the machine ──
function sh(command, args) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const chromium = chromiumExecutable();
const machine = {
  cores: cpus().length,
  cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model,
  ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  chromium: chromium ? sh(chromium, ['--version']) : null,
  kernel: sh('uname', ['-sr']),
  os:
    /^PRETTY_NAME="?([^"\n]+)/m.exec(
      existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '',
    )?.[1] ?? null,
  tmpdirFilesystem:
    sh('df', ['-T', tmpdir()])?.split('\n')[1]?.split(/\s+/).slice(0, 2).join(' ') ?? null,
  openFiles: { soft: sh('bash', ['-c', 'ulimit -Sn']), hard: sh('bash', ['-c', 'ulimit -Hn']) },
  commit:
    process.env.BENCH_COMMIT ?? sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) ?? null,
  srcChangedSinceCommit:
    (sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']) ?? '') !== '',
  date: new Date().toISOString(),
};
writeResult('machine', machine);
console.log(
  `bench: ${machine.cores} × ${machine.cpuModel}, ${machine.ramGiB} GiB, Node ${machine.node}, ${machine.chromium ?? 'no Chromium'}`,
);

// ── the steps ──
/**
 * How busy the machine is apart from us: load average, CPU pressure (PSI), and other processes
 * that used a lot of CPU. Figures taken while something else runs are noisy; this says so.
 */
function noise() {
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  const pressure = existsSync('/proc/pressure/cpu')
    ? Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN)
    : null;
  const ps = sh('ps', ['-eo', 'pid=,ppid=,pcpu=,args=']) ?? '';
  const rows = ps.split('\n').map((line) => {
    const [pid, ppid, pcpu, ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), pcpu: Number(pcpu), args: args.join(' ') };
  });
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (!ours.has(row.pid) && ours.has(row.ppid)) {
        ours.add(row.pid);
        grew = true;
      }
    }
  }
  const busy = rows
    .filter((row) => !ours.has(row.pid) && row.pcpu >= 20 && !row.args.startsWith('ps '))
    .map((row) => `${row.pcpu}% ${row.args.slice(0, 100)}`);
  return { loadavg, cpuPressureAvg10: pressure, otherBusyProcesses: busy };
}

const outcomes = [];
for (const step of steps) {
  const before = noise();
  if (before.otherBusyProcesses.length > 0) {
    console.log(
      `bench: warning, other busy processes (figures will be noisy): ${before.otherBusyProcesses.join('; ')}`,
    );
  }
  const stepStarted = Date.now();
  const args = [...(step.tsx ? ['--import', 'tsx'] : []), join(BENCH_DIR, step.file)];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal));
  });
  const seconds = Math.round((Date.now() - stepStarted) / 100) / 10;
  outcomes.push({
    step: step.name,
    ok: code === 0,
    exit: code,
    seconds,
    noise: { before, after: noise() },
  });
  console.log(
    `bench: ${step.name} ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${seconds} s`,
  );
}

// ── the summary against the budgets (BENCHMARKS.md "Budgets") ──
const read = (name) => {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), 'utf8'));
  } catch {
    return null;
  }
};
const size = read('size');
const latency = read('latency');
const throughput = read('throughput');
const fanout = read('fanout');
const postgres = read('postgres');
const budgets = [
  size && {
    what: 'dist/cdn/dualpay.js, gzip -9',
    budget: '≤ 24 KB',
    measured: `${size.cdn.gzip} B (${kb(size.cdn.gzip)})`,
    pass: size.pass,
  },
  latency && {
    what: 'confirm → dualpay-settled, SSE, p95',
    budget: '≤ 50 ms',
    measured: `${latency.latency.sse.confirmResponseToSettledMs.p95} ms (poll 2 s: ${latency.latency.poll.confirmResponseToSettledMs.p95} ms)`,
    pass: latency.pass,
  },
  throughput && {
    what: 'session creations / s',
    budget: '≥ 3,000',
    measured: String(throughput.create.perSecond),
    pass: throughput.pass.creations,
  },
  throughput && {
    what: 'confirmations / s',
    budget: '≥ 1,200',
    measured: String(throughput.confirm.perSecond),
    pass: throughput.pass.confirmations,
  },
  fanout && {
    what: '10,000 SSE streams, issuer RSS',
    budget: '≤ 300 MB',
    measured: `${(fanout.issuerMemory.withStreams.rss / 2 ** 20).toFixed(1)} MiB`,
    pass: fanout.pass,
  },
  postgres && {
    what: 'PostgreSQL, 2 processes: confirmations / s in total',
    budget: '≥ 500',
    measured: `${postgres.confirm.perSecond} (CPU ${postgres.confirm.cpuMsPerConfirm.join(' | ')} ms/confirmation)`,
    pass: postgres.pass.confirmations,
  },
  postgres && {
    what: 'PostgreSQL, confirm on A → settled via B, p95',
    budget: '≤ 50 ms',
    measured: `${postgres.settledViaOther.p95} ms`,
    pass: postgres.pass.settledViaOther,
  },
].filter(Boolean);
const totalSeconds = Math.round((Date.now() - started) / 100) / 10;
writeResult('summary', { machine, budgets, steps: outcomes, totalSeconds });
// Leftover profiles of an earlier run would be confusing next to this one's.
if (throughput && !throughput.profiledRun)
  rmSync(join(RESULTS_DIR, 'profiles'), { recursive: true, force: true });
console.log('\n== Budgets (BENCHMARKS.md) ==');
console.log(
  table([
    ['what', 'budget', 'measured', ''],
    ...budgets.map((b) => [b.what, b.budget, b.measured, pass(b.pass)]),
  ]),
);
console.log(`\nbench: total ${totalSeconds} s; results in bench/results/`);
process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
