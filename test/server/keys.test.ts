import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
} from 'jose';
import {
  SETTLEMENT_AMR_HARDWARE,
  SETTLEMENT_TOKEN_TYP,
  transactionHash,
  type SettlementClaims,
} from '../../src/protocol/index.js';
import { DEFAULT_PUBLISH_LEAD_MS, SigningKeys } from '../../src/server/keys.js';
import { openSqliteStore, type SqliteStore } from '../../src/server/store/sqlite/store.js';
import { verifySettlementToken } from '../../src/verify/index.js';

const ISSUER = 'https://pay.example';
const MERCHANT = 'm_shop';

async function claims(overrides: Partial<SettlementClaims> = {}): Promise<SettlementClaims> {
  const iat = Math.floor(Date.now() / 1000);
  const base: Omit<SettlementClaims, 'txn'> = {
    iss: ISSUER,
    aud: MERCHANT,
    sub: 'cs_keys',
    jti: `stl_${Math.random().toString(36).slice(2)}`,
    iat,
    exp: iat + 900,
    orderId: 'order-한글-1',
    amount: 1500,
    currency: 'KRW',
    amr: [...SETTLEMENT_AMR_HARDWARE],
    ...overrides,
  };
  const txn = await transactionHash({
    amount: base.amount,
    currency: base.currency,
    merchantId: base.aud,
    orderId: base.orderId,
    sessionId: base.sub,
  });
  return { ...base, txn, ...overrides };
}

/** The signing code before node:crypto, kept as the reference for header and claims. */
async function signWithJose(keys: SigningKeys, store: SqliteStore, c: SettlementClaims) {
  const [record] = (await store.listSigningKeys()).filter(
    (key) => key.activatedAt !== null && key.retiredAt === null,
  );
  assert.ok(record);
  const key = await importJWK(JSON.parse(record.privateKey) as JWK, 'ES256');
  const { iss, aud, sub, jti, iat, exp, ...rest } = c;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'ES256', typ: SETTLEMENT_TOKEN_TYP, kid: keys.currentKid })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(sub)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
}

const segments = (token: string) => token.split('.');
const decode = (segment: string) => Buffer.from(segment, 'base64url');

describe('SigningKeys.sign (node:crypto ES256)', () => {
  let store: SqliteStore;
  let keys: SigningKeys;
  before(async () => {
    store = openSqliteStore({ filename: ':memory:' });
    keys = new SigningKeys(store);
    await keys.init(Date.now());
  });
  after(() => store.close());

  it('produces the header and claims segments jose SignJWT produced, byte for byte', async () => {
    const c = await claims();

    const token = await keys.sign(c);
    const reference = await signWithJose(keys, store, c);

    assert.deepEqual(segments(token).slice(0, 2), segments(reference).slice(0, 2));
  });

  it('has the header {alg: ES256, typ, kid} exactly, in that order', async () => {
    const token = keys.signSync(await claims());

    const header = decode(segments(token)[0]!).toString('utf8');

    assert.equal(
      header,
      JSON.stringify({ alg: 'ES256', typ: SETTLEMENT_TOKEN_TYP, kid: keys.currentKid }),
    );
  });

  it('carries exactly the claims it was given', async () => {
    const c = await claims();

    const payload = JSON.parse(decode(segments(keys.signSync(c))[1]!).toString('utf8')) as unknown;

    assert.deepEqual(payload, c);
  });

  it('signs as a raw 64-byte R ‖ S (RFC 7518 §3.4), not DER', async () => {
    const token = keys.signSync(await claims());

    assert.equal(decode(segments(token)[2]!).length, 64);
  });

  it('verifies with jose jwtVerify against the JWKS', async () => {
    const c = await claims();
    const token = await keys.sign(c);

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.jwks()), {
      issuer: ISSUER,
      audience: MERCHANT,
      algorithms: ['ES256'],
      typ: SETTLEMENT_TOKEN_TYP,
    });

    assert.deepEqual(payload, c);
    assert.equal(protectedHeader.kid, keys.currentKid);
  });

  it('verifies with dualpay/verify verifySettlementToken', async () => {
    const c = await claims();
    const token = await keys.sign(c);

    const verified = await verifySettlementToken(token, {
      issuer: ISSUER,
      audience: MERCHANT,
      jwks: keys.jwks(),
      expected: { orderId: c.orderId, amount: c.amount, currency: c.currency },
    });

    assert.deepEqual(verified, c);
  });

  it('signs with the new key after rotate(), and earlier tokens still verify', async () => {
    const before = keys.signSync(await claims());
    const oldKid = keys.currentKid;

    const newKid = await keys.rotate(Date.now() + DEFAULT_PUBLISH_LEAD_MS);
    const afterRotation = keys.signSync(await claims());

    assert.notEqual(newKid, oldKid);
    const jwks = createLocalJWKSet(keys.jwks());
    const first = await jwtVerify(before, jwks, { issuer: ISSUER, audience: MERCHANT });
    const second = await jwtVerify(afterRotation, jwks, { issuer: ISSUER, audience: MERCHANT });
    assert.equal(first.protectedHeader.kid, oldKid);
    assert.equal(second.protectedHeader.kid, newKid);
  });

  it('refuses what jose refused: a non-finite iat or exp, a non-string iss', async () => {
    const good = await claims();

    for (const bad of [
      { ...good, iat: Number.NaN },
      { ...good, exp: Number.POSITIVE_INFINITY },
      { ...good, iss: 7 as unknown as string },
    ]) {
      assert.throws(() => keys.signSync(bad), TypeError);
      await assert.rejects(signWithJose(keys, store, bad), TypeError);
    }
  });
});

describe('SigningKeys.init', () => {
  it('refuses a current key that is not P-256, as importJWK(jwk, "ES256") did', async () => {
    const store = openSqliteStore({ filename: ':memory:' });
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    await store.addSigningKey({
      kid: 'p384',
      privateKey: JSON.stringify(await exportJWK(privateKey)),
      publicJwk: (await exportJWK(publicKey)) as JsonWebKey,
      createdAt: 1,
      activatedAt: null,
      retiredAt: null,
    });
    await store.activateSigningKey('p384', 1, null);

    try {
      await assert.rejects(new SigningKeys(store).init(2), TypeError);
    } finally {
      await store.close();
    }
  });

  it('signSync throws before init()', async () => {
    const store = openSqliteStore({ filename: ':memory:' });
    try {
      assert.throws(() => new SigningKeys(store).signSync({} as SettlementClaims), /init\(\)/);
    } finally {
      await store.close();
    }
  });
});
