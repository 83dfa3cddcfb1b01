/**
 * The published package, as a merchant gets it: `npm pack`, install the tarball into a scratch
 * project, import every subpath in Node, run the CLI and the issuer from it, and load its CDN file
 * in Chromium with SRI. Also publint and attw (ESM-only profile). Then the same tarball without
 * the issuer's optional peers: the CLI says what to install instead of a stack trace.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';
import { StaticServer } from '../e2e/support/static-server.js';

const exec = promisify(execFile);
const root = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

async function npm(args: string[], cwd: string) {
  return exec('npm', args, {
    cwd,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

async function nodeIn(cwd: string, code: string) {
  return exec(process.execPath, ['--input-type=module', '-e', code], { cwd });
}

/** A scratch project `{name: 'merchant-app'}` in a new temporary folder. */
function scratchProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'merchant-app', private: true, type: 'module' }),
  );
  return dir;
}

/** `npm install` from the npm cache when it can, without install scripts. */
async function npmInstall(cwd: string, specs: string[]) {
  return npm(
    ['install', ...specs, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    cwd,
  );
}

// One `npm pack` for every test here.
const packDir = mkdtempSync(join(tmpdir(), 'dualpay-tarball-'));
let packed: Promise<string> | undefined;
function packTarball(): Promise<string> {
  packed ??= npm(['pack', '--json', '--pack-destination', packDir], root).then(({ stdout }) =>
    join(packDir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename),
  );
  return packed;
}
after(() => rmSync(packDir, { recursive: true, force: true }));

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed `dualpay-issuer` and returns how it exited, failure or not. */
async function runIssuerCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Exit> {
  // Without the test run's DATABASE_URL (npm test sets one): each test says what it gives.
  const { DATABASE_URL: _ignored, ...base } = process.env;
  try {
    const { stdout, stderr } = await exec(join(cwd, 'node_modules/.bin/dualpay-issuer'), args, {
      cwd,
      timeout: 30_000,
      env: { ...base, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: unknown } & Record<
      'stdout' | 'stderr',
      string
    >;
    return { code: typeof code === 'number' ? code : -1, stdout, stderr };
  }
}

describe('the packed package', () => {
  let scratch: string;
  let tarball: string;

  before(async () => {
    tarball = await packTarball();
    scratch = scratchProject('dualpay-pack-');
    // The issuer's optional peers, at the versions we test with. Install scripts are skipped and
    // better-sqlite3's native build is copied from this checkout (same Node), saving a compile.
    const peers = Object.keys(pkg.peerDependencies).map(
      (name) => `${name}@${pkg.devDependencies[name]}`,
    );
    await npmInstall(scratch, [tarball, ...peers]);
    cpSync(
      join(root, 'node_modules/better-sqlite3/build'),
      join(scratch, 'node_modules/better-sqlite3/build'),
      {
        recursive: true,
      },
    );
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('ships only dist/, bin/, types/, README, LICENSE and package.json, without source maps', async () => {
    const { stdout } = await npm(['pack', '--dry-run', '--json'], root);
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map(
      (f) => f.path,
    );

    assert.ok(files.includes('dist/cdn/dualpay.js'));
    assert.ok(files.includes('dist/cdn/dualpay.js.sri'));
    assert.ok(files.includes('dist/custom-elements.json'));
    assert.ok(files.includes('bin/dualpay-issuer.js'));
    assert.ok(files.includes('types/react.d.ts'));
    assert.ok(files.includes('types/vue.d.ts'));
    assert.deepEqual(
      files.filter(
        (f) =>
          !/^(dist\/|bin\/|types\/|README\.md$|LICENSE$|package\.json$)/.test(f) ||
          f.endsWith('.map'),
      ),
      [],
    );
  });

  it('imports every subpath in Node, the element entry without side effects', async () => {
    const { stdout } = await nodeIn(
      scratch,
      `
      const element = await import('dualpay');
      const registeredBefore = globalThis.customElements?.get?.('dualpay-checkout') !== undefined;
      const verify = await import('dualpay/verify');
      const server = await import('dualpay/server');
      const protocol = await import('dualpay/protocol');
      await import('dualpay/define');
      console.log(JSON.stringify({
        element: Object.keys(element).sort(),
        registeredBefore,
        verify: typeof verify.verifySettlementToken,
        guard: typeof verify.createMemoryReplayGuard,
        server: typeof server.startIssuer,
        protocol: typeof protocol.transactionHash,
        manifest: (await import('dualpay/package.json', { with: { type: 'json' } })).default.customElements,
      }));
      `,
    );
    const result = JSON.parse(stdout) as Record<string, unknown>;

    assert.deepEqual(result, {
      element: [
        'CheckoutError',
        'DualpayCancelEvent',
        'DualpayCheckout',
        'DualpayErrorEvent',
        'DualpaySettledEvent',
        'DualpayStatusChangeEvent',
      ],
      registeredBefore: false,
      verify: 'function',
      guard: 'function',
      server: 'function',
      protocol: 'function',
      manifest: 'dist/custom-elements.json',
    });
  });

  it('runs the issuer from the package: CLI help, and startIssuer answering /healthz', async () => {
    const help = await exec(join(scratch, 'node_modules/.bin/dualpay-issuer'), ['--help'], {
      cwd: scratch,
    });
    const { stdout } = await nodeIn(
      scratch,
      `
      const { startIssuer } = await import('dualpay/server');
      const issuer = await startIssuer({ db: ':memory:', port: 0, seedDemo: true, sweepIntervalMs: 0 });
      const health = await (await fetch(issuer.url + '/healthz')).json();
      const jwks = await (await fetch(issuer.url + '/.well-known/jwks.json')).json();
      await issuer.close();
      console.log(JSON.stringify({ health, keys: jwks.keys.length }));
      `,
    );

    assert.match(
      help.stdout,
      /^Usage: dualpay-issuer --port P \(--db FILE \| --database-url URL\)/,
    );
    // The current signing key and the next one, published ahead of its use.
    assert.deepEqual(JSON.parse(stdout), { health: { status: 'ok' }, keys: 2 });
  });

  it('loads the installed CDN file in Chromium with its SRI hash', async () => {
    const dir = join(scratch, 'node_modules/dualpay/dist/cdn');
    const integrity = readFileSync(join(dir, 'dualpay.js.sri'), 'utf8').trim();
    const server = await StaticServer.start({
      '/': {
        type: 'text/html',
        body: `<!doctype html><title>x</title><script src="/dualpay.js" integrity="${integrity}" crossorigin="anonymous"></script><dualpay-checkout></dualpay-checkout>`,
      },
      '/dualpay.js': { type: 'text/javascript', body: readFileSync(join(dir, 'dualpay.js')) },
    });
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const page = await browser.newPage();
      await page.goto(server.origin);
      await page.waitForFunction(() => customElements.get('dualpay-checkout') !== undefined);
      const status = await page.evaluate(
        () => (document.querySelector('dualpay-checkout') as unknown as { status: string }).status,
      );

      assert.equal(status, 'idle');
      assert.match(integrity, /^sha384-[A-Za-z0-9+/]{64}$/);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('is clean under publint and attw (ESM-only profile)', async () => {
    const publint = await exec(join(root, 'node_modules/.bin/publint'), ['--strict'], {
      cwd: root,
    });
    const attw = await exec(
      join(root, 'node_modules/.bin/attw'),
      [tarball, '--profile', 'esm-only', '--format', 'json'],
      {
        cwd: root,
        maxBuffer: 32 * 1024 * 1024,
      },
    );

    assert.match(publint.stdout, /All good!/);
    const report = JSON.parse(attw.stdout) as { analysis: { problems: unknown[] } };
    const problems = report.analysis.problems.filter(
      (problem) =>
        !['node10', 'node16-cjs'].includes(
          (problem as { resolutionKind?: string }).resolutionKind ?? '',
        ),
    );
    assert.deepEqual(problems, []);
  });
});

describe('the packed package without the issuer’s optional peers', () => {
  let scratch: string;

  before(async () => {
    scratch = scratchProject('dualpay-nopeers-');
    await npmInstall(scratch, [await packTarball()]);
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** No stack frame (`    at …`) and no raw Node error code: a message for a person. */
  function assertNoStackTrace(output: string) {
    assert.doesNotMatch(output, /^\s+at /m);
    assert.doesNotMatch(output, /ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/);
  }

  it('dualpay-issuer names the five server packages to install and exits 1', async () => {
    const result = await runIssuerCli(scratch, ['--port', '0', '--db', 'issuer.db']);

    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^\s+npm install fastify better-sqlite3 @simplewebauthn\/server prom-client web-push$/m,
    );
    assert.doesNotMatch(result.stderr, /\bpg\b/);
    assertNoStackTrace(result.stderr);
  });

  it('dualpay-issuer --database-url names pg too', async () => {
    const result = await runIssuerCli(scratch, ['--database-url', 'postgres://localhost/x']);

    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^\s+npm install fastify better-sqlite3 @simplewebauthn\/server prom-client web-push pg$/m,
    );
    assertNoStackTrace(result.stderr);
  });

  it('with the five server packages but not pg, runs without --database-url and asks for pg with it', async () => {
    // This checkout's copies, linked in: resolving them is all the CLI checks before it starts.
    for (const name of [
      'fastify',
      'better-sqlite3',
      '@simplewebauthn/server',
      'prom-client',
      'web-push',
    ]) {
      const target = join(scratch, 'node_modules', name);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(root, 'node_modules', name), target, 'dir');
    }

    const help = await runIssuerCli(scratch, ['--help']);
    const postgres = await runIssuerCli(scratch, ['--database-url=postgres://localhost/x']);

    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: dualpay-issuer/);
    assert.equal(postgres.code, 1);
    assert.match(postgres.stderr, /^\s+npm install pg$/m);
    assertNoStackTrace(postgres.stderr);
    const fromEnvironment = await runIssuerCli(scratch, ['--help'], {
      DATABASE_URL: 'postgres://localhost/x',
    });
    assert.equal(fromEnvironment.code, 1);
    assert.match(fromEnvironment.stderr, /^\s+npm install pg$/m);
  });
});
