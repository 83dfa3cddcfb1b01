// Installs and tests the framework examples against the packed package, as a user gets it:
// `npm pack` → examples/.pack/dualpay.tgz, then in each example `npm ci` from its own lockfile
// (the root `npm ci` does not grow) and its test (examples/support/example-test.mjs: type-check,
// Vite build, Chromium). Needs `npm run build` first. CI runs it through
// `npm test -- --suites …,examples`; alone it ends with `examples: N passed, N failed`.
//
//   node examples/run.mjs [react,vue]   pack, install, test
//   node examples/run.mjs --update-locks   rewrite the examples' lockfiles (after changing their
//                                          package.json or dualpay's dependencies)
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs, promisify } from 'node:util';
import { writeSummary } from '../scripts/reporters/summary-file.mjs';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const packDir = join(root, 'examples', '.pack');
const EXAMPLES = ['react', 'vue'];
const NPM_FLAGS = ['--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'];

const { values: options, positionals } = parseArgs({
  options: { 'update-locks': { type: 'boolean', default: false } },
  allowPositionals: true,
});
const examples = positionals[0]?.split(',') ?? EXAMPLES;

/** Runs `command` in `cwd` with its output shown; resolves with the exit code. */
function sh(command, args, cwd, env = process.env) {
  return new Promise((resolveExit, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

/** `npm pack` of this checkout to examples/.pack/dualpay.tgz (the examples' `file:` dependency). */
async function pack() {
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', packDir], {
    cwd: root,
    maxBuffer: 32 << 20,
  });
  renameSync(join(packDir, JSON.parse(stdout)[0].filename), join(packDir, 'dualpay.tgz'));
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const rootPackage = readJson(join(root, 'package.json'));

/**
 * Why the example's lockfile cannot install this checkout's package, or undefined. An
 * `integrity` for the tarball would make npm take an older tarball of that hash from its cache.
 */
function staleLock(dir) {
  const entry = readJson(join(dir, 'package-lock.json')).packages['node_modules/dualpay'];
  if (!entry) return 'has no dualpay';
  if (entry.integrity) return 'pins the tarball’s integrity';
  if (entry.version !== rootPackage.version) return `has dualpay ${entry.version}`;
  if (!isDeepStrictEqual(entry.dependencies ?? {}, rootPackage.dependencies)) {
    return 'lists other dependencies of dualpay than package.json';
  }
}

/** Rewrites an example's lockfile: no download addresses, no integrity for the tarball. */
async function updateLock(dir) {
  // Without its entry, npm reads the tarball again (its dependencies may have changed; with the
  // entry in place it answers "up to date" and keeps the old ones).
  const lockPath = join(dir, 'package-lock.json');
  const before = readJson(lockPath);
  delete before.packages['node_modules/dualpay'];
  writeFileSync(lockPath, `${JSON.stringify(before, null, 2)}\n`);
  const code = await sh(
    'npm',
    ['install', '--package-lock-only', '--omit-lockfile-registry-resolved', ...NPM_FLAGS],
    dir,
  );
  if (code !== 0) throw new Error(`npm install --package-lock-only failed in ${dir}`);
  const lock = readJson(lockPath);
  delete lock.packages['node_modules/dualpay'].integrity;
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}

/** Installs and tests one example; resolves with its counts. */
async function testExample(name, resultsDir) {
  const dir = join(root, 'examples', name);
  const failed = (why) => {
    console.error(`examples/${name}: ${why}`);
    return { passed: 0, failed: 1, skipped: 0 };
  };
  const stale = staleLock(dir);
  if (stale) return failed(`package-lock.json ${stale}: run node examples/run.mjs --update-locks`);
  console.log(`\n── examples/${name}: npm ci ──`);
  if ((await sh('npm', ['ci', ...NPM_FLAGS], dir)) !== 0) return failed('npm ci failed');
  // npm ci must have installed this checkout's package, not a cached or older one.
  const installed = readJson(join(dir, 'node_modules', 'dualpay', 'package.json'));
  if (!isDeepStrictEqual(installed, rootPackage)) {
    return failed('node_modules/dualpay is not the package just packed');
  }
  const summaryFile = join(resultsDir, `${name}.json`);
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const code = await sh(
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts/reporters/node-summary.mjs')}`,
      '--test-reporter-destination=/dev/null',
      'test/page.test.mjs',
    ],
    dir,
    { ...env, DUALPAY_SUMMARY_FILE: summaryFile },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = readJson(summaryFile);
  } catch {
    // No summary: the runner broke before reporting; counted below.
  }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

await pack();
if (options['update-locks']) {
  for (const name of examples) await updateLock(join(root, 'examples', name));
  console.log(`updated the lockfiles of ${examples.map((name) => `examples/${name}`).join(', ')}`);
} else {
  const resultsDir = mkdtempSync(join(tmpdir(), 'dualpay-examples-'));
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const name of examples) {
    const counts = await testExample(name, resultsDir);
    for (const key of Object.keys(total)) total[key] += counts[key];
  }
  rmSync(resultsDir, { recursive: true, force: true });
  writeSummary(total);
  console.log(`\nexamples: ${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}
