/**
 * Signing keys and the database at rest (security review findings 6 and 12): the SQLite file and
 * its -wal/-shm are the owner's alone, private keys are sealed with AES-256-GCM under a
 * key-encryption key, and a rotation signs only with a key that verifiers could already fetch.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SettlementClaims } from '../../src/protocol/index.js';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  DEFAULT_PUBLISH_LEAD_MS,
  RotationTooSoonError,
  SigningKeys,
} from '../../src/server/keys.js';
import { SqliteStore } from '../../src/server/store/sqlite/store.js';
import { startTestIssuer } from '../server/support/harness.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-at-rest-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const HARDWARE_AMR: SettlementClaims['amr'] = ['hwk', 'mfa', 'mca'];
const claims = (now: number) => ({
  iss: 'https://issuer.example',
  aud: 'm_test',
  sub: 'cs_test',
  jti: `stl_${now}`,
  iat: Math.floor(now / 1000),
  exp: Math.floor(now / 1000) + 900,
  orderId: 'o-1',
  amount: 1500,
  currency: 'KRW',
  txn: 'x',
  amr: HARDWARE_AMR,
});

describe('the database file', () => {
  it('is created readable by its owner only, with its -wal and -shm', async () => {
    const dir = tempDir();
    const server = await startTestIssuer({ db: join(dir, 'issuer.db') });
    await server.issuer.admins.ensureAdminKey('ak_mode_check_1234', 'mode check', {
      actor: 'test',
    });

    const modes = ['issuer.db', 'issuer.db-wal', 'issuer.db-shm'].map(
      (file) => statSync(join(dir, file)).mode & 0o777,
    );
    await server.close();

    assert.deepEqual(modes, [0o600, 0o600, 0o600]);
  });

  it('refuses to open when others may read it (a world-readable file from before)', async () => {
    const dir = tempDir();
    const file = join(dir, 'issuer.db');
    writeFileSync(file, '');
    chmodSync(file, 0o644);

    await assert.rejects(startTestIssuer({ db: file }), /readable or writable by other users/);
  });
});

describe('private signing keys with a key-encryption key', () => {
  it('are sealed at rest: no private key material in the database file', async () => {
    const dir = tempDir();
    const kek = randomBytes(32);
    const store = new SqliteStore(join(dir, 'k.db'));
    await new SigningKeys(store, { keyEncryptionKey: kek }).init(Date.now());

    const stored = await store.listSigningKeys();
    await store.close();

    assert.ok(stored.length >= 2);
    for (const key of stored) {
      assert.match(key.privateKey, /^enc:v1:/);
      assert.ok(!key.privateKey.includes('"d"'));
    }
  });

  it('refuse to load without the key, or with another one', async () => {
    const dir = tempDir();
    const store = new SqliteStore(join(dir, 'k.db'));
    await new SigningKeys(store, { keyEncryptionKey: randomBytes(32) }).init(Date.now());

    await assert.rejects(new SigningKeys(store).init(Date.now()), /encrypted/);
    await assert.rejects(
      new SigningKeys(store, { keyEncryptionKey: randomBytes(32) }).init(Date.now()),
      /does not open/,
    );
    await store.close();
  });

  it('seal keys that were stored in clear once the key is set, and keep signing with them', async () => {
    const dir = tempDir();
    const store = new SqliteStore(join(dir, 'k.db'));
    const clear = new SigningKeys(store);
    await clear.init(Date.now());
    const kid = clear.currentKid;
    const kek = randomBytes(32);

    const sealed = new SigningKeys(store, { keyEncryptionKey: kek });
    await sealed.init(Date.now());

    assert.equal(sealed.currentKid, kid);
    for (const key of await store.listSigningKeys()) assert.match(key.privateKey, /^enc:v1:/);
    const token = sealed.signSync(claims(Date.now()));
    await jwtVerify(token, createLocalJWKSet(clear.jwks()), { audience: 'm_test' });
    await store.close();
  });
});

describe('signing-key rotation', () => {
  it('signs after a rotation only with a key the JWKS published before it', async () => {
    const store = new SqliteStore(':memory:');
    const keys = new SigningKeys(store);
    const t0 = Date.now();
    await keys.init(t0);
    const snapshot = createLocalJWKSet(structuredClone(keys.jwks()));

    await keys.rotate(t0 + DEFAULT_PUBLISH_LEAD_MS);
    const token = keys.signSync(claims(t0 + DEFAULT_PUBLISH_LEAD_MS));

    // A verifier that fetched the JWKS before the rotation knows the new kid already.
    const { protectedHeader } = await jwtVerify(token, snapshot, { audience: 'm_test' });
    assert.equal(protectedHeader.kid, keys.currentKid);
    assert.equal(decodeProtectedHeader(token).kid, keys.currentKid);
    await store.close();
  });

  it('is refused while the next key has been published for less than the lead', async () => {
    const store = new SqliteStore(':memory:');
    const keys = new SigningKeys(store);
    const t0 = Date.now();
    await keys.init(t0);
    const kid = keys.currentKid;

    const early = await keys.rotate(t0 + 30_000).catch((error: unknown) => error);

    assert.ok(early instanceof RotationTooSoonError);
    assert.equal(early.possibleAt, t0 + DEFAULT_PUBLISH_LEAD_MS);
    assert.equal(keys.currentKid, kid);
    await store.close();
  });

  it('reaches another process on the same database at its next refresh, once', async () => {
    const dir = tempDir();
    const file = join(dir, 'shared.db');
    const a = new SqliteStore(file);
    const b = new SqliteStore(file);
    const t0 = Date.now();
    const keysA = new SigningKeys(a, { publishLeadMs: 0 });
    const keysB = new SigningKeys(b, { publishLeadMs: 0 });
    await keysA.init(t0);
    await keysB.init(t0);

    const [ra, rb] = await Promise.all([keysA.rotate(t0 + 1), keysB.rotate(t0 + 1)]);
    await keysA.refresh(t0 + 2);
    await keysB.refresh(t0 + 2);

    assert.equal(ra, rb);
    assert.equal(keysA.currentKid, keysB.currentKid);
    const live = (await a.listSigningKeys()).filter(
      (key) => key.activatedAt !== null && key.retiredAt === null,
    );
    assert.equal(live.length, 1);
    await a.close();
    await b.close();
  });
});
