/**
 * The issuer's trusted attestation roots: `loadAttestationRoots(dir)`, `IssuerOptions.
 * attestationRoots`, and `dualpay-issuer --attestation-roots DIR`, which refuses to start on a file
 * that is not a PEM certificate.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttestationRootsError, loadAttestationRoots } from '../../src/server/index.js';
import { makeCa, rootsDirectory, type TestCertificate } from './support/attestation.js';
import { startTestIssuer } from './support/harness.js';
import { freePort, spawnIssuer } from './support/process.js';

const PRIVATE_KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

function fingerprints(certificates: X509Certificate[]): string[] {
  return certificates.map((certificate) => certificate.fingerprint256).sort();
}

/** Refuses with an AttestationRootsError about `source`. */
function refusesNaming(source: string) {
  return (error: unknown) => error instanceof AttestationRootsError && error.source === source;
}

/** Runs the CLI from source to its exit (it must not start); the exit code and its stderr. */
async function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

describe('loadAttestationRoots', () => {
  let root: TestCertificate;
  let other: TestCertificate;
  const dirs: string[] = [];
  const directory = (files: Record<string, string>) => {
    const dir = rootsDirectory(files);
    dirs.push(dir);
    return dir;
  };
  before(async () => {
    [root, other] = await Promise.all([makeCa('Root One'), makeCa('Root Two')]);
  });
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads every certificate of every *.pem file, bundles and comments included, and skips other files', () => {
    const dir = directory({
      'one.pem': `# Root One\n${root.pem}`,
      'bundle.PEM': `${root.pem}\nsubject=CN=Root Two\n${other.pem}`,
      'README.txt': 'not a root',
    });

    const roots = loadAttestationRoots(dir);

    assert.deepEqual(
      fingerprints(roots),
      [root.pem, root.pem, other.pem].map((pem) => new X509Certificate(pem).fingerprint256).sort(),
    );
  });

  it('refuses a .pem file that is not a certificate, naming the file', () => {
    const cases: Record<string, string> = {
      'garbage.pem': 'hello, I am not a certificate\n',
      'key.pem': PRIVATE_KEY_PEM,
      'broken.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      'empty.pem': '',
    };
    for (const [name, content] of Object.entries(cases)) {
      const dir = directory({ 'good.pem': root.pem, [name]: content });

      assert.throws(() => loadAttestationRoots(dir), refusesNaming(join(dir, name)), name);
    }
  });

  it('refuses a directory that is missing or holds no *.pem file, naming it', () => {
    const empty = directory({ 'root.crt': root.pem });
    const missing = join(empty, 'nowhere');

    assert.throws(() => loadAttestationRoots(empty), refusesNaming(empty));
    assert.throws(() => loadAttestationRoots(missing), refusesNaming(missing));
  });

  it('makes startIssuer refuse an attestationRoots entry that is not a PEM certificate', async () => {
    await assert.rejects(
      startTestIssuer({ attestationRoots: [root.pem, 'not a certificate'] }),
      refusesNaming('attestationRoots[1]'),
    );
  });
});

describe('dualpay-issuer --attestation-roots', () => {
  let root: TestCertificate;
  let dir: string;
  before(async () => {
    root = await makeCa('CLI Root');
    dir = mkdtempSync(join(tmpdir(), 'dualpay-cli-roots-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start when DIR holds a .pem that is not a certificate: exit 2, the file named, no stack trace', async () => {
    const roots = rootsDirectory({ 'root.pem': root.pem, 'notes.pem': 'trust me\n' });
    try {
      const { code, stderr } = await runCli([
        '--port',
        String(await freePort()),
        '--db',
        join(dir, 'refused.db'),
        '--attestation-roots',
        roots,
      ]);

      assert.equal(code, 2);
      assert.ok(stderr.includes(join(roots, 'notes.pem')), stderr);
      assert.doesNotMatch(stderr, /^\s+at /m);
    } finally {
      rmSync(roots, { recursive: true, force: true });
    }
  });

  it('starts with a directory of valid roots', async () => {
    const roots = rootsDirectory({ 'root.pem': root.pem });
    const issuer = await spawnIssuer(await freePort(), join(dir, 'started.db'), [
      '--attestation-roots',
      roots,
    ]);
    try {
      const health = await fetch(`${issuer.url}/healthz`);

      assert.equal(health.status, 200);
      assert.match(issuer.output(), /attestation roots: 1 /);
    } finally {
      assert.equal(await issuer.stop(), 0);
      rmSync(roots, { recursive: true, force: true });
    }
  });
});
