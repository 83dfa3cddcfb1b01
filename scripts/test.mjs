// `npm test`: builds, then runs every suite — Node tests (node --test), browser tests
// (@web/test-runner in Chromium) and end-to-end tests (@playwright/test) — and ends with one line
// `N passed, N failed[, N skipped]`. Exits non-zero when any test failed or any runner broke.
// The `examples` suite (examples/run.mjs: the React and Vue pages against the packed package) is
// not in the default set, since it installs their packages; CI adds it.
//
//   node scripts/test.mjs [--no-build] [--suites node,browser,e2e[,examples]] [--node-files a,b]
//                         [--browser-files glob] [--e2e-files glob]
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findPgBin, startPgCluster } from './pg-cluster.mjs';
import { spawnLocal } from './run.mjs';

const { values: options } = parseArgs({
  options: {
    build: { type: 'boolean', default: true },
    'no-build': { type: 'boolean', default: false },
    suites: { type: 'string', default: 'node,browser,e2e' },
    'node-files': { type: 'string' },
    'browser-files': { type: 'string' },
    'e2e-files': { type: 'string' },
  },
});

const resultsDir = resolve('.test-results', String(process.pid));
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

/** Test files for node --test: every *.test.ts under test/ except browser tests, e2e and fixtures. */
function nodeTestFiles(dir = 'test') {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join('test', 'e2e') && path !== join('test', 'fixtures')) {
        files.push(...nodeTestFiles(path));
      }
    } else if (entry.name.endsWith('.test.ts') && !entry.name.endsWith('.browser.test.ts')) {
      files.push(path);
    }
  }
  return files.sort();
}

const suites = {
  node: () => {
    const files = options['node-files']?.split(',') ?? nodeTestFiles();
    return [
      'node',
      [
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${resolve('scripts/reporters/node-summary.mjs')}`,
        '--test-reporter-destination=/dev/null',
        ...files,
      ],
    ];
  },
  browser: () => [
    'web-test-runner',
    options['browser-files'] ? ['--files', options['browser-files']] : [],
  ],
  e2e: () => ['playwright', ['test']],
  examples: () => ['node', ['examples/run.mjs']],
};

async function runSuite(name) {
  const [command, args] = suites[name]();
  const summaryFile = join(resultsDir, `${name}.json`);
  const env = { ...process.env, DUALPAY_SUMMARY_FILE: summaryFile };
  if (name === 'e2e' && options['e2e-files']) env.DUALPAY_E2E_FILES = options['e2e-files'];
  console.log(`\n── ${name} tests ──`);
  const exitCode = await spawnLocal(command, args, { env });
  let counts;
  try {
    counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    counts = { passed: 0, failed: 0, skipped: 0 };
  }
  // A runner that broke without reporting a failure still counts as one.
  if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
  console.log(
    `── ${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (exit ${exitCode})`,
  );
  return counts;
}

const total = { passed: 0, failed: 0, skipped: 0 };

/**
 * The PostgreSQL tests need a server: `DATABASE_URL` when given, else a throwaway cluster when
 * PostgreSQL is installed. Without either they are skipped, and say so; with
 * DUALPAY_REQUIRE_POSTGRES=1 (CI) that is a failure instead.
 */
let cluster = null;
if (!process.env.DATABASE_URL && options.suites.split(',').some((s) => s !== 'browser')) {
  if (findPgBin()) {
    cluster = await startPgCluster();
    process.env.DATABASE_URL = cluster.url;
    console.log(`── PostgreSQL: a throwaway cluster at ${cluster.url} ──`);
  } else {
    console.log(
      '── PostgreSQL is not installed: the PostgreSQL tests are SKIPPED. Install it (apt-get install postgresql) or set DATABASE_URL to run them. ──',
    );
    if (process.env.DUALPAY_REQUIRE_POSTGRES === '1') total.failed++;
  }
}
process.on('exit', () => cluster?.stop());

if (options.build && !options['no-build']) {
  console.log('── build ──');
  // The whole build: the package test packs dist/ with its types and manifest.
  const code = await spawnLocal('node', ['scripts/build.mjs']);
  if (code !== 0) total.failed++;
}
for (const name of options.suites.split(',')) {
  if (!(name in suites)) throw new Error(`Unknown suite ${name}; use node, browser, e2e, examples`);
  const counts = await runSuite(name);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
rmSync(resultsDir, { recursive: true, force: true });
const skipped = total.skipped > 0 ? `, ${total.skipped} skipped` : '';
console.log(`\n${total.passed} passed, ${total.failed} failed${skipped}`);
process.exitCode = total.failed > 0 ? 1 : 0;
