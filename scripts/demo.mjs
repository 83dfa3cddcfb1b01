// `npm run demo` (= `npm run build && node scripts/demo.mjs`): starts the reference issuer and the
// demo shop on loopback, waits until both answer, prints their URLs and the demo credentials, and
// stops both on Ctrl-C. If either dies, it stops the other and exits non-zero with its output.
//
// Environment: ISSUER_PORT (default 4010), SHOP_PORT (default 4000), DEMO_PUBLIC_URL (the issuer's
// public HTTPS origin, for scanning the QR code with a real phone), DEMO_LOG_LEVEL (the issuer's
// log level, default warn).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5000;
/** Lines of a child's output kept for the report when it dies. */
const KEEP_LINES = 200;

function usageError(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    usageError(`${name} must be a port number from 1 to 65535, got ${raw}`);
  }
  return Number(raw);
}

function publicUrl() {
  const raw = process.env.DEMO_PUBLIC_URL;
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  } catch {
    // reported below
  }
  return usageError(`DEMO_PUBLIC_URL must be an http(s) URL, got ${raw}`);
}

const issuerPort = port('ISSUER_PORT', 4010);
const shopPort = port('SHOP_PORT', 4000);
if (issuerPort === shopPort) usageError('ISSUER_PORT and SHOP_PORT must differ');
const issuerUrl = `http://localhost:${issuerPort}`;
const shopUrl = `http://localhost:${shopPort}`;
const issuerPublicUrl = publicUrl() ?? issuerUrl;
const logLevel = process.env.DEMO_LOG_LEVEL || 'warn';

// DEMO_DATA_DIR moves the data (tests use a temp folder); default .demo/ beside package.json.
const dataDir = process.env.DEMO_DATA_DIR || fileURLToPath(new URL('../.demo/', import.meta.url));
const dbFile = join(dataDir, 'issuer.db');
mkdirSync(dataDir, { recursive: true });

const children = [
  start('issuer', [
    'bin/dualpay-issuer.js',
    '--port',
    String(issuerPort),
    '--db',
    dbFile,
    '--seed-demo',
    '--shop-origin',
    `http://localhost:${shopPort}`,
    '--shop-origin',
    `http://127.0.0.1:${shopPort}`,
    '--log-level',
    logLevel,
    // The shop takes webhooks on loopback http (never on a production issuer); push endpoints over
    // http on loopback too (a local push service); the browser's own push service (https) needs no
    // flag, only internet access. Never with a public URL.
    '--dev-webhooks',
    ...(process.env.DEMO_PUBLIC_URL ? ['--public-url', issuerPublicUrl] : ['--dev-push']),
  ]),
  start('shop', ['demo/server.mjs'], {
    SHOP_PORT: String(shopPort),
    ISSUER_PORT: String(issuerPort),
    ISSUER_URL: issuerUrl,
    ISSUER_PUBLIC_URL: issuerPublicUrl,
  }),
];

let ready = false;
let stopping = false;

/**
 * Starts `node <args>` in the repository root. Its output is kept (and shown live, prefixed,
 * once the demo is up); whatever was not shown is printed if it dies.
 */
function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { name, child, unshown: [], exited: false, exit: null };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) output(entry, line);
    });
    stream.on('end', () => {
      if (partial) output(entry, partial);
      partial = '';
    });
  }
  child.on('error', (error) => output(entry, `could not start: ${error.message}`));
  entry.closed = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      entry.exited = true;
      entry.exit = { code, signal };
      resolve();
      // On Ctrl-C the terminal signals the children too; let our own handler run first.
      setTimeout(() => {
        if (!stopping) void died(entry);
      }, 100);
    });
  });
  return entry;
}

function output(entry, line) {
  if (ready && !stopping) {
    process.stdout.write(`[${entry.name}] ${line}\n`);
    return;
  }
  entry.unshown.push(line);
  if (entry.unshown.length > KEEP_LINES) entry.unshown.shift();
}

function dumpUnshown(entry) {
  if (entry.unshown.length === 0) return;
  process.stderr.write(`--- ${entry.name} output ---\n${entry.unshown.join('\n')}\n`);
  entry.unshown = [];
}

/** One child died on its own: stop the other, show what it said, exit non-zero. */
async function died(entry) {
  const { code, signal } = entry.exit;
  await stopAll();
  process.stderr.write(
    `demo: the ${entry.name} exited (${signal ? `signal ${signal}` : `code ${code}`})\n`,
  );
  dumpUnshown(entry);
  process.exit(code || 1);
}

/** Asks every running child to stop (SIGTERM), and kills those that do not within the limit. */
async function stopAll() {
  stopping = true;
  const running = children.filter((entry) => !entry.exited);
  for (const entry of running) entry.child.kill('SIGTERM');
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout');
  });
  const outcome = await Promise.race([Promise.all(running.map((entry) => entry.closed)), limit]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return true;
  for (const entry of running) {
    if (entry.exited) continue;
    process.stderr.write(`demo: the ${entry.name} did not stop in time; killing it\n`);
    entry.child.kill('SIGKILL');
  }
  await Promise.all(running.map((entry) => entry.closed));
  return false;
}

let signals = 0;
async function onSignal(signal) {
  signals += 1;
  if (signals > 1) {
    for (const entry of children) if (!entry.exited) entry.child.kill('SIGKILL');
    process.exit(1);
  }
  if (stopping) return;
  process.stdout.write(`\ndemo: ${signal}, stopping the shop and the issuer…\n`);
  const clean = await stopAll();
  for (const entry of children) {
    if (entry.exit?.code) {
      process.stderr.write(`demo: the ${entry.name} stopped with code ${entry.exit.code}\n`);
      dumpUnshown(entry);
    }
  }
  const failed = children.some((entry) => entry.exit?.code);
  process.stdout.write('demo: stopped\n');
  process.exit(clean && !failed ? 0 : 1);
}
process.on('SIGINT', () => void onSignal('SIGINT'));
process.on('SIGTERM', () => void onSignal('SIGTERM'));

/** True once `url` answers 200. */
async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

const deadline = Date.now() + READY_TIMEOUT_MS;
const probes = [`${issuerUrl}/healthz`, `${shopUrl}/healthz`];
while (!stopping) {
  const up = await Promise.all(probes.map(answers));
  if (up.every(Boolean)) break;
  if (Date.now() > deadline) {
    process.stderr.write(
      `demo: not up after ${READY_TIMEOUT_MS / 1000} s (${probes.filter((_, i) => !up[i]).join(', ')} not answering)\n`,
    );
    await stopAll();
    for (const entry of children) dumpUnshown(entry);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
}

if (!stopping) {
  ready = true;
  for (const entry of children) entry.unshown = [];
  process.stdout.write(
    [
      '',
      'dualpay demo is running',
      `  shop    ${shopUrl}`,
      `  issuer  ${issuerUrl}${issuerPublicUrl === issuerUrl ? '' : `  (public URL ${issuerPublicUrl})`}`,
      '',
      '  test merchant  m_demo, secret key sk_test_demo',
      '  admin key      ak_test_demo (demo payer acct_demo)',
      `  data           ${relative(process.cwd(), dbFile) || dbFile}`,
      '',
      `Open ${shopUrl}, enrol a test card from the integrator panel, then pay.`,
      'Ctrl-C stops both.',
      '',
    ].join('\n'),
  );
}
