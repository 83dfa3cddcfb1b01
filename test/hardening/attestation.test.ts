/**
 * Security review finding 2: a software key must not pass as a hardware card. The review enrolled
 * a software key that claimed a YubiKey's AAGUID with packed self-attestation, paid a live merchant,
 * and got a token saying `amr: hwk`. A card is now trusted hardware only when its attestation's
 * `x5c` chain verifies up to one of the issuer's attestation roots; every other card is a test card
 * (refused by live merchants, `swk` in its tokens at test merchants).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SimulatedAuthenticator } from '../../src/phone/simulated-authenticator.js';
import { DEMO, type AuditRecord, type CardRecord } from '../../src/server/index.js';
import {
  SettlementTokenError,
  verifySettlementToken,
  type VerifySettlementTokenOptions,
} from '../../src/verify/index.js';
import {
  YUBIKEY_5_AAGUID,
  attestationSigner,
  makeAttestationCertificate,
  makeCa,
  type TestCertificate,
} from '../server/support/attestation.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from '../server/support/harness.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
const DAY_MS = 86_400_000;

interface Merchant {
  id: string;
  secretKey: string;
}

let root: TestCertificate;
let intermediate: TestCertificate;
let unknownRoot: TestCertificate;

before(async () => {
  root = await makeCa('Trusted Attestation Root');
  intermediate = await makeCa('Trusted Attestation Intermediate', { issuer: root });
  unknownRoot = await makeCa('Unknown Attestation Root');
});

async function startIssuerWithRoots(roots: string[]): Promise<TestIssuer> {
  return startTestIssuer({
    attestationRoots: roots,
    rateLimits: { claim: GENEROUS, enrollment: GENEROUS, handoffCreate: GENEROUS },
  });
}

async function liveMerchant(server: TestIssuer): Promise<Merchant> {
  const live = await request<Merchant>(server.url, 'POST', '/v1/merchants', {
    token: DEMO.adminKey,
    body: { name: 'Live Bakery', allowedOrigins: ['https://bakery.example'], mode: 'live' },
  });
  assert.equal(live.status, 201);
  return live.body;
}

/** Enrols a card on a phone of its own; returns the phone and the stored card. */
async function enrolCard(
  server: TestIssuer,
  options: { aaguid?: string; chain?: TestCertificate[] } = {},
): Promise<{ phone: Phone; card: CardRecord }> {
  const phone = new Phone(server.url, new SimulatedAuthenticator([], options.aaguid));
  const [leaf, ...issuers] = options.chain ?? [];
  const cardId = await phone.enrol(
    DEMO.accountId,
    leaf ? { attestation: attestationSigner(leaf, ...issuers) } : {},
  );
  const card = (await server.issuer.store.listCards(DEMO.accountId)).find((c) => c.id === cardId);
  assert.ok(card);
  return { phone, card };
}

/** One whole payment at `merchant`: the confirm answer and, once settled, the token. */
async function payAt(server: TestIssuer, phone: Phone, merchant: Merchant) {
  const session = await createSession(server.url, {}, merchant.secretKey);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await createHandoff(server.url, session);
  const confirmed = await phone.pay(handoff.code, view.bindingCode);
  const read = await request<{ settlementToken?: string }>(
    server.url,
    'GET',
    `/v1/checkout-sessions/${session.id}`,
    { token: merchant.secretKey },
  );
  return { confirmed, token: read.body.settlementToken };
}

function verifyOptions(server: TestIssuer, merchant: Merchant): VerifySettlementTokenOptions {
  return {
    issuer: server.issuer.publicUrl,
    audience: merchant.id,
    jwksUrl: `${server.url}/.well-known/jwks.json`,
  };
}

async function enrolmentAudit(server: TestIssuer, card: CardRecord): Promise<AuditRecord> {
  const rows = await server.issuer.store.listAudit();
  const row = rows.find((r) => r.action === 'card.enrolled' && r.cardId === card.id);
  assert.ok(row);
  return row;
}

describe('attestation trust at enrolment and payment (security review finding 2)', () => {
  let server: TestIssuer;
  let live: Merchant;
  const test: Merchant = { id: DEMO.merchantId, secretKey: DEMO.secretKey };
  before(async () => {
    server = await startIssuerWithRoots([root.pem]);
    live = await liveMerchant(server);
  });
  after(() => server.dispose());

  it('makes a software key with packed self-attestation claiming a YubiKey 5 AAGUID a test card: refused by a live merchant, swk at a test merchant', async () => {
    const { phone, card } = await enrolCard(server, { aaguid: YUBIKEY_5_AAGUID });

    const atLive = await payAt(server, phone, live);
    const atTest = await payAt(server, phone, test);

    assert.equal(card.aaguid, YUBIKEY_5_AAGUID);
    assert.equal(card.test, true);
    assert.equal(atLive.confirmed.status, 403);
    assert.equal(errorCodeOf(atLive.confirmed.body), 'credential_not_allowed');
    assert.equal(atLive.token, undefined);
    assert.equal(atTest.confirmed.status, 200);
    const claims = await verifySettlementToken(atTest.token ?? '', verifyOptions(server, test));
    assert.deepEqual(claims.amr, ['swk', 'mfa', 'mca']);
    await assert.rejects(
      verifySettlementToken(atTest.token ?? '', {
        ...verifyOptions(server, test),
        requireHardwareKey: true,
      }),
      (error: unknown) =>
        error instanceof SettlementTokenError && error.code === 'token_hardware_key_required',
    );
    const row = await enrolmentAudit(server, card);
    assert.equal(row.accountId, DEMO.accountId);
    assert.deepEqual(row.detail, {
      aaguid: YUBIKEY_5_AAGUID,
      fmt: 'packed',
      purpose: 'desk',
      trusted: false,
      reason: 'no_certificate_chain',
    });
  });

  it('makes a key whose x5c chains to a root that is not configured a test card', async () => {
    const leaf = await makeAttestationCertificate(unknownRoot, { aaguid: YUBIKEY_5_AAGUID });
    const { phone, card } = await enrolCard(server, {
      aaguid: YUBIKEY_5_AAGUID,
      chain: [leaf, unknownRoot],
    });

    const atLive = await payAt(server, phone, live);

    assert.equal(card.test, true);
    assert.equal(errorCodeOf(atLive.confirmed.body), 'credential_not_allowed');
    assert.equal((await enrolmentAudit(server, card)).detail?.reason, 'unknown_root');
  });

  it('trusts a key whose chain verifies to a configured root: it pays a live merchant with hwk, accepted by requireHardwareKey', async () => {
    const leaf = await makeAttestationCertificate(intermediate, { aaguid: YUBIKEY_5_AAGUID });
    const { phone, card } = await enrolCard(server, {
      aaguid: YUBIKEY_5_AAGUID,
      chain: [leaf, intermediate],
    });

    const atLive = await payAt(server, phone, live);

    assert.equal(card.test, false);
    assert.equal(atLive.confirmed.status, 200);
    const claims = await verifySettlementToken(atLive.token ?? '', {
      ...verifyOptions(server, live),
      requireHardwareKey: true,
    });
    assert.deepEqual(claims.amr, ['hwk', 'mfa', 'mca']);
    const trustedRoot = new X509Certificate(root.pem);
    const row = await enrolmentAudit(server, card);
    assert.equal(row.accountId, DEMO.accountId);
    assert.deepEqual(row.detail, {
      aaguid: YUBIKEY_5_AAGUID,
      fmt: 'packed',
      purpose: 'desk',
      trusted: true,
      root: 'C=KR, O=dualpay tests, CN=Trusted Attestation Root',
      rootFingerprint: trustedRoot.fingerprint256,
    });
  });

  it('trusts chains of every shape that reach a configured root: leaf under the root, and the root sent in x5c', async () => {
    const direct = await makeAttestationCertificate(root);
    const underIntermediate = await makeAttestationCertificate(intermediate);
    const chains = [[direct], [direct, root], [underIntermediate, intermediate, root]];

    for (const chain of chains) {
      const { card } = await enrolCard(server, { chain });

      assert.equal(card.test, false, `${chain.length} certificates`);
    }
  });

  it('makes a chain with an expired intermediate a test card', async () => {
    const expired = await makeCa('Expired Intermediate', {
      issuer: root,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const leaf = await makeAttestationCertificate(expired);

    const { card } = await enrolCard(server, { chain: [leaf, expired] });

    assert.equal(card.test, true);
    assert.equal((await enrolmentAudit(server, card)).detail?.reason, 'outside_validity');
  });

  it('makes a wrongly signed chain a test card: the intermediate sent, but the leaf signed by another key', async () => {
    const impostor = await makeCa('Impostor');
    const forged = await makeAttestationCertificate(intermediate, {
      signingKey: impostor.keys.privateKey,
    });
    const forgedUnderRoot = await makeAttestationCertificate(root, {
      signingKey: impostor.keys.privateKey,
    });

    const viaIntermediate = await enrolCard(server, { chain: [forged, intermediate] });
    const direct = await enrolCard(server, { chain: [forgedUnderRoot] });

    assert.equal(viaIntermediate.card.test, true);
    assert.equal(direct.card.test, true);
    assert.equal(
      (await enrolmentAudit(server, viaIntermediate.card)).detail?.reason,
      'broken_chain',
    );
    assert.equal((await enrolmentAudit(server, direct.card)).detail?.reason, 'unknown_root');
  });

  it('makes a chain through a certificate that is not a CA a test card', async () => {
    const endEntity = await makeCa('End Entity', { issuer: root, ca: false });
    const leaf = await makeAttestationCertificate(endEntity);

    const { card } = await enrolCard(server, { chain: [leaf, endEntity] });

    assert.equal(card.test, true);
    assert.equal((await enrolmentAudit(server, card)).detail?.reason, 'broken_chain');
  });

  it('refuses an expired attestation certificate at enrolment (SimpleWebAuthn checks the leaf)', async () => {
    const leaf = await makeAttestationCertificate(root, {
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });

    await assert.rejects(
      enrolCard(server, { chain: [leaf] }),
      /verify: 422 .*authentication_failed/,
    );
  });
});

describe('attestation roots are per issuer', () => {
  let trusting: TestIssuer;
  let rootless: TestIssuer;
  before(async () => {
    [trusting, rootless] = await Promise.all([
      startIssuerWithRoots([root.pem]),
      startIssuerWithRoots([]),
    ]);
  });
  after(async () => {
    await trusting.dispose();
    await rootless.dispose();
  });

  it('decides the same chain by each issuer own roots in one process; without roots every card is a test card', async () => {
    const leaf = await makeAttestationCertificate(intermediate, { aaguid: YUBIKEY_5_AAGUID });
    const chain = [leaf, intermediate];

    const atTrusting = await enrolCard(trusting, { aaguid: YUBIKEY_5_AAGUID, chain });
    const atRootless = await enrolCard(rootless, { aaguid: YUBIKEY_5_AAGUID, chain });
    const rootlessLive = await liveMerchant(rootless);
    const refused = await payAt(rootless, atRootless.phone, rootlessLive);

    assert.equal(atTrusting.card.test, false);
    assert.equal(atRootless.card.test, true);
    assert.equal(
      (await enrolmentAudit(rootless, atRootless.card)).detail?.reason,
      'no_trusted_roots',
    );
    assert.equal(errorCodeOf(refused.confirmed.body), 'credential_not_allowed');
  });
});
