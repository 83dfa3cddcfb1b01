import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { SETTLEMENT_TOKEN_TYP, transactionHash } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { Phone, request, startTestIssuer, type TestIssuer } from './support/harness.js';
import { settledSession } from './support/pay.js';

async function servedJwks(server: TestIssuer): Promise<JSONWebKeySet> {
  const result = await request<JSONWebKeySet>(server.url, 'GET', '/.well-known/jwks.json');
  assert.equal(result.status, 200);
  return result.body;
}

async function verify(server: TestIssuer, token: string) {
  return jwtVerify(token, createLocalJWKSet(await servedJwks(server)), {
    issuer: server.issuer.publicUrl,
    audience: DEMO.merchantId,
    algorithms: ['ES256'],
    typ: SETTLEMENT_TOKEN_TYP,
  });
}

describe('settlement tokens', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer({ signingKeyLeadMs: 0 });
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('verify with jose.jwtVerify against the served JWKS and carry the documented claims', async () => {
    const session = await settledSession(server, phone, { amount: 3300, orderId: 'order-jwt' });

    const { payload, protectedHeader } = await verify(server, session.settlementToken);

    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.typ, 'dualpay-settlement+jwt');
    assert.equal(protectedHeader.kid, server.issuer.keys.currentKid);
    assert.equal(payload.iss, server.issuer.publicUrl);
    assert.equal(payload.aud, DEMO.merchantId);
    assert.equal(payload.sub, session.id);
    assert.match(String(payload.jti), /^stl_/);
    assert.equal(payload.exp, (payload.iat ?? 0) + 900);
    assert.equal(payload.orderId, 'order-jwt');
    assert.equal(payload.amount, 3300);
    assert.equal(payload.currency, 'KRW');
    // The simulated card is a test card (self-attestation): a software-secured key. A trusted
    // card's `hwk` is in test/hardening/attestation.test.ts.
    assert.deepEqual(payload.amr, ['swk', 'mfa', 'mca']);
    const txn = await transactionHash({
      amount: 3300,
      currency: 'KRW',
      merchantId: DEMO.merchantId,
      orderId: 'order-jwt',
      sessionId: session.id,
    });
    assert.equal(payload.txn, txn);
  });

  it('jti is the ledger entry id', async () => {
    const session = await settledSession(server, phone);

    const { payload } = await verify(server, session.settlementToken);

    const [entry] = await server.issuer.store.listLedgerEntries({ sessionId: session.id });
    assert.equal(payload.jti, entry?.id);
  });

  it('keep verifying after rotateSigningKey(), while new tokens carry the new kid', async () => {
    const before = await settledSession(server, phone);
    const oldKid = decodeProtectedHeader(before.settlementToken).kid;

    const newKid = await server.issuer.rotateSigningKey();
    const afterRotation = await settledSession(server, phone);

    assert.notEqual(newKid, oldKid);
    assert.equal(decodeProtectedHeader(afterRotation.settlementToken).kid, newKid);
    const jwks = await servedJwks(server);
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [newKid, server.issuer.keys.nextKid, oldKid],
    );
    await verify(server, before.settlementToken);
    await verify(server, afterRotation.settlementToken);
  });

  it('publish only public key material', async () => {
    const jwks = await servedJwks(server);

    for (const key of jwks.keys) {
      assert.equal(key.d, undefined);
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
      assert.equal(key.alg, 'ES256');
    }
  });

  it('do not verify against a JWKS of other keys', async () => {
    const session = await settledSession(server, phone);
    const other = await startTestIssuer();

    try {
      await assert.rejects(
        jwtVerify(session.settlementToken, createLocalJWKSet(await servedJwks(other)), {
          issuer: server.issuer.publicUrl,
          audience: DEMO.merchantId,
        }),
        { code: 'ERR_JWKS_NO_MATCHING_KEY' },
      );
    } finally {
      await other.dispose();
    }
  });
});
