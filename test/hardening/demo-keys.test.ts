/**
 * Demo credentials must not outlive the demo (security review finding 7): with an https public
 * URL the issuer refuses to start while `sk_test_demo` or `ak_test_demo` would work.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEMO } from '../../src/server/index.js';
import { startTestIssuer } from '../server/support/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dualpay-demo-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HTTPS = 'https://pay.issuer.example';

describe('an issuer with an https public URL', () => {
  it('refuses to seed the demo', async () => {
    await assert.rejects(
      startTestIssuer({ db: join(dir, 'seed.db'), publicUrl: HTTPS, seedDemo: true }),
      /--seed-demo is for development/,
    );
  });

  it('refuses a database on which the demo keys still work', async () => {
    const db = join(dir, 'seeded.db');
    const development = await startTestIssuer({ db, seedDemo: true });
    await development.close();

    await assert.rejects(
      startTestIssuer({ db, publicUrl: HTTPS, seedDemo: false }),
      new RegExp(`${DEMO.adminKey}.*${DEMO.secretKey}`),
    );
  });

  it('starts on a database without them', async () => {
    const production = await startTestIssuer({
      db: join(dir, 'clean.db'),
      publicUrl: HTTPS,
      seedDemo: false,
    });

    assert.equal(production.issuer.publicUrl, HTTPS);
    await production.close();
  });
});
