import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import {
  CompactSign,
  SignJWT,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  errors as joseErrors,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { base64urlEncode, transactionHash } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { toSettlementTokenError } from '../../src/verify/errors.js';
import { JWKS_COOLDOWN_MS } from '../../src/verify/key-sources.js';
import {
  SETTLEMENT_TOKEN_ERROR_CODES,
  SettlementTokenError,
  createMemoryReplayGuard,
  isSettlementTokenErrorCode,
  verifySettlementToken,
  type ReplayGuard,
  type SettlementTokenErrorCode,
  type VerifySettlementTokenOptions,
} from '../../src/verify/index.js';
import { Phone, request, startTestIssuer, type TestIssuer } from '../server/support/harness.js';
import { settledSession } from '../server/support/pay.js';

const TYP = 'dualpay-settlement+jwt';
const FORGED_ISSUER = 'https://issuer.test';
const FORGED_MERCHANT = 'm_test';
const PAST_COOLDOWN_MS = JWKS_COOLDOWN_MS + 1000;

const nowSec = () => Math.floor(Date.now() / 1000);
const encodeJson = (value: unknown) =>
  base64urlEncode(new TextEncoder().encode(JSON.stringify(value)));
const decodeJson = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Rejects with a SettlementTokenError carrying `code`. */
async function rejectsWith(promise: Promise<unknown>, code: SettlementTokenErrorCode) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      error instanceof SettlementTokenError,
      `not a SettlementTokenError: ${String(error)}`,
    );
    assert.equal(error.code, code);
    return true;
  });
}

/** A signing key of our own, standing in for an issuer (or an attacker), with its public JWK. */
class Forger {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;

  private constructor(privateKey: CryptoKey, publicJwk: JWK, kid: string) {
    this.privateKey = privateKey;
    this.publicJwk = publicJwk;
    this.kid = kid;
  }

  static async create(): Promise<Forger> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new Forger(privateKey, { ...jwk, kid, alg: 'ES256', use: 'sig' }, kid);
  }

  get jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** Valid settlement claims for the forged issuer and merchant, with `txn` computed. */
  static async claims(overrides: Partial<Record<string, unknown>> = {}): Promise<JWTPayload> {
    const iat = nowSec();
    const base = {
      iss: FORGED_ISSUER,
      aud: FORGED_MERCHANT,
      sub: 'cs_forged',
      jti: `stl_${Math.random().toString(36).slice(2)}`,
      iat,
      exp: iat + 900,
      orderId: 'order-1',
      amount: 1500,
      currency: 'KRW',
      amr: ['hwk', 'mfa', 'mca'],
      ...overrides,
    };
    const txn = await transactionHash({
      amount: base.amount as number,
      currency: base.currency as string,
      merchantId: base.aud as string,
      orderId: base.orderId as string,
      sessionId: base.sub as string,
    });
    return { txn, ...base };
  }

  /** Signs `payload` (default: valid claims) with header overrides. */
  async sign(payload?: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload ?? (await Forger.claims()))
      .setProtectedHeader({ alg: 'ES256', typ: TYP, kid: this.kid, ...header })
      .sign(this.privateKey);
  }
}

function forgedOptions(
  forger: Forger,
  extra: Partial<VerifySettlementTokenOptions> = {},
): VerifySettlementTokenOptions {
  return {
    issuer: FORGED_ISSUER,
    audience: FORGED_MERCHANT,
    jwks: forger.jwks,
    ...extra,
  } as VerifySettlementTokenOptions;
}

/** A JWKS on 127.0.0.1 that counts its fetches; `jwks` can be swapped (rotation). */
async function startJwksServer(initial: JSONWebKeySet) {
  const state = { jwks: initial, fetches: 0, status: 200 };
  const server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(state.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Moves `Date` (only) past the JWKS cooldown; jose reads its cache age from `Date.now()`. */
function skipPastCooldown(): void {
  mock.timers.enable({ apis: ['Date'], now: Date.now() + PAST_COOLDOWN_MS });
}

describe('verifySettlementToken with tokens from a real issuer', () => {
  let server: TestIssuer;
  let phone: Phone;
  let jwks: JSONWebKeySet;
  let options: VerifySettlementTokenOptions;

  before(async () => {
    // Rotations here test verifiers, not the issuer's publishing lead.
    server = await startTestIssuer({ signingKeyLeadMs: 0 });
    phone = new Phone(server.url);
    await phone.enrol();
    jwks = (await request<JSONWebKeySet>(server.url, 'GET', '/.well-known/jwks.json')).body;
    options = { issuer: server.issuer.publicUrl, audience: DEMO.merchantId, jwks };
  });
  after(() => server.dispose());
  afterEach(() => mock.timers.reset());

  it('accepts a settled token with a jwks object and returns its claims', async () => {
    const session = await settledSession(server, phone, { amount: 4200, orderId: 'order-ok' });

    const claims = await verifySettlementToken(session.settlementToken, {
      ...options,
      expected: { orderId: 'order-ok', amount: 4200, currency: 'KRW' },
    });

    assert.equal(claims.iss, server.issuer.publicUrl);
    assert.equal(claims.aud, DEMO.merchantId);
    assert.equal(claims.sub, session.id);
    assert.match(claims.jti, /^stl_/);
    assert.equal(claims.exp, claims.iat + 900);
    assert.equal(claims.orderId, 'order-ok');
    assert.equal(claims.amount, 4200);
    assert.equal(claims.currency, 'KRW');
    // The demo payer's simulated card is a test card: a software-secured key.
    assert.deepEqual(claims.amr, ['swk', 'mfa', 'mca']);
    assert.equal(
      claims.txn,
      await transactionHash({
        amount: 4200,
        currency: 'KRW',
        merchantId: DEMO.merchantId,
        orderId: 'order-ok',
        sessionId: session.id,
      }),
    );
  });

  it("accepts a settled token with jwksUrl, the issuer's /.well-known/jwks.json", async () => {
    const session = await settledSession(server, phone);

    const claims = await verifySettlementToken(session.settlementToken, {
      issuer: server.issuer.publicUrl,
      audience: DEMO.merchantId,
      jwksUrl: `${server.url}/.well-known/jwks.json`,
    });

    assert.equal(claims.sub, session.id);
  });

  it('rejects a token whose payload was edited (amount raised) with token_signature_invalid', async () => {
    const session = await settledSession(server, phone);
    const [header, payload, signature] = session.settlementToken.split('.') as [
      string,
      string,
      string,
    ];
    const edited = encodeJson({ ...decodeJson(payload), amount: 1 });

    await rejectsWith(
      verifySettlementToken(`${header}.${edited}.${signature}`, options),
      'token_signature_invalid',
    );
  });

  it('rejects a token whose signature was edited with token_signature_invalid, keeping the jose error as cause', async () => {
    const session = await settledSession(server, phone);
    const [header, payload, signature] = session.settlementToken.split('.') as [
      string,
      string,
      string,
    ];
    // Flip a character in the middle: the last one may only carry padding bits.
    const middle = signature.length >> 1;
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const edited = `${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;

    const error = await verifySettlementToken(`${header}.${payload}.${edited}`, options).catch(
      (e: unknown) => e,
    );

    assert.ok(error instanceof SettlementTokenError);
    assert.equal(error.code, 'token_signature_invalid');
    assert.equal((error.cause as { code?: string }).code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('rejects an unsecured token (alg none) carrying real claims with token_algorithm_invalid', async () => {
    const session = await settledSession(server, phone);
    const payload = session.settlementToken.split('.')[1]!;
    const header = encodeJson({ alg: 'none', typ: TYP });

    await rejectsWith(
      verifySettlementToken(`${header}.${payload}.`, options),
      'token_algorithm_invalid',
    );
  });

  it("rejects HS256 signed with the issuer's public key as the HMAC secret with token_algorithm_invalid", async () => {
    const session = await settledSession(server, phone);
    const claims = decodeJson(session.settlementToken.split('.')[1]!);
    const publicJwk = jwks.keys[0]!;
    const spki = await exportSPKI(
      (await importJWK(publicJwk, 'ES256', { extractable: true })) as CryptoKey,
    );
    const kid = decodeProtectedHeader(session.settlementToken).kid;

    for (const secret of [JSON.stringify(publicJwk), spki]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: TYP, ...(kid ? { kid } : {}) })
        .sign(new TextEncoder().encode(secret));

      await rejectsWith(verifySettlementToken(token, options), 'token_algorithm_invalid');
    }
  });

  it('rejects a token signed by another key under the real kid with token_signature_invalid', async () => {
    const session = await settledSession(server, phone);
    const attacker = await Forger.create();
    const claims = decodeJson(session.settlementToken.split('.')[1]!);

    const token = await attacker.sign(claims, {
      kid: decodeProtectedHeader(session.settlementToken).kid,
    });

    await rejectsWith(verifySettlementToken(token, options), 'token_signature_invalid');
  });

  it('rejects a token for another issuer with token_issuer_mismatch', async () => {
    const session = await settledSession(server, phone);

    await rejectsWith(
      verifySettlementToken(session.settlementToken, {
        ...options,
        issuer: 'https://other.example',
      }),
      'token_issuer_mismatch',
    );
  });

  it('rejects a token for another merchant with token_audience_mismatch', async () => {
    const session = await settledSession(server, phone);

    await rejectsWith(
      verifySettlementToken(session.settlementToken, { ...options, audience: 'm_other' }),
      'token_audience_mismatch',
    );
  });

  it('rejects another order, amount or currency, each with its own code', async () => {
    const session = await settledSession(server, phone, { amount: 1500, orderId: 'order-77' });
    const token = session.settlementToken;
    const right = { orderId: 'order-77', amount: 1500, currency: 'KRW' };

    await rejectsWith(
      verifySettlementToken(token, { ...options, expected: { ...right, orderId: 'order-78' } }),
      'token_order_mismatch',
    );
    await rejectsWith(
      verifySettlementToken(token, { ...options, expected: { ...right, amount: 1501 } }),
      'token_amount_mismatch',
    );
    await rejectsWith(
      verifySettlementToken(token, { ...options, expected: { ...right, currency: 'USD' } }),
      'token_currency_mismatch',
    );
    assert.equal(
      (await verifySettlementToken(token, { ...options, expected: right })).orderId,
      'order-77',
    );
  });

  it('rejects a second use of one token with token_replayed (memory guard)', async () => {
    const session = await settledSession(server, phone);
    const replayGuard = createMemoryReplayGuard();

    await verifySettlementToken(session.settlementToken, { ...options, replayGuard });

    await rejectsWith(
      verifySettlementToken(session.settlementToken, { ...options, replayGuard }),
      'token_replayed',
    );
  });

  it('lets exactly one of two concurrent verifications of one token pass', async () => {
    const session = await settledSession(server, phone);
    const memory = createMemoryReplayGuard();
    // Both verifications get past `has` before either calls `add`: only an atomic add saves us.
    let checked = 0;
    let release!: () => void;
    const bothChecked = new Promise<void>((resolve) => (release = resolve));
    const replayGuard: ReplayGuard = {
      async has(jti) {
        const seen = memory.has(jti);
        if (++checked === 2) release();
        await bothChecked;
        return seen;
      },
      add: (jti, exp) => memory.add(jti, exp),
    };

    const results = await Promise.allSettled([
      verifySettlementToken(session.settlementToken, { ...options, replayGuard }),
      verifySettlementToken(session.settlementToken, { ...options, replayGuard }),
    ]);

    assert.equal(checked, 2);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.equal(rejected.length, 1);
    assert.equal((rejected[0]!.reason as SettlementTokenError).code, 'token_replayed');
  });

  it('verifies a token signed right after a rotation with the JWKS it fetched before', async () => {
    // A URL of its own, so the cache state does not depend on other tests.
    const jwksUrl = `${server.url}/.well-known/jwks.json?published-ahead`;
    const remote = { issuer: server.issuer.publicUrl, audience: DEMO.merchantId, jwksUrl };
    const before = await settledSession(server, phone);
    await verifySettlementToken(before.settlementToken, remote);
    const newKid = await server.issuer.rotateSigningKey();
    const rotated = await settledSession(server, phone);

    const claims = await verifySettlementToken(rotated.settlementToken, remote);

    assert.equal(decodeProtectedHeader(rotated.settlementToken).kid, newKid);
    assert.equal(claims.sub, rotated.id);
  });

  it('refetches the remote JWKS after the cooldown for a kid it has never seen', async () => {
    const jwksUrl = `${server.url}/.well-known/jwks.json?rotation`;
    const remote = { issuer: server.issuer.publicUrl, audience: DEMO.merchantId, jwksUrl };
    const before = await settledSession(server, phone);
    await verifySettlementToken(before.settlementToken, remote);
    // Two rotations: the second key signing was made after the verifier fetched the JWKS.
    await server.issuer.rotateSigningKey();
    const newKid = await server.issuer.rotateSigningKey();
    const rotated = await settledSession(server, phone);
    assert.equal(decodeProtectedHeader(rotated.settlementToken).kid, newKid);

    // Within the cooldown the cached JWKS is all there is.
    await rejectsWith(verifySettlementToken(rotated.settlementToken, remote), 'token_key_unknown');
    skipPastCooldown();
    const claims = await verifySettlementToken(rotated.settlementToken, remote);

    assert.equal(claims.sub, rotated.id);
    assert.equal((await verifySettlementToken(before.settlementToken, remote)).sub, before.id);
  });
});

describe('verifySettlementToken with forged tokens', () => {
  let forger: Forger;
  before(async () => (forger = await Forger.create()));
  afterEach(() => mock.timers.reset());

  it('accepts a well-formed token from a trusted key (control for the cases below)', async () => {
    const claims = await verifySettlementToken(await forger.sign(), forgedOptions(forger));

    assert.equal(claims.aud, FORGED_MERCHANT);
  });

  it('rejects a wrong or missing typ with token_type_invalid', async () => {
    for (const typ of ['JWT', 'at+jwt', 'dualpay-settlement', undefined]) {
      const token = await forger.sign(undefined, { typ });

      await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_type_invalid');
    }
  });

  it('rejects a token from another issuer with token_issuer_mismatch', async () => {
    const token = await forger.sign(await Forger.claims({ iss: 'https://evil.example' }));

    await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_issuer_mismatch');
  });

  it('rejects a token for another merchant, or for several, with token_audience_mismatch / token_claims_invalid', async () => {
    const other = await forger.sign(await Forger.claims({ aud: 'm_other' }));
    const several = await forger.sign({
      ...(await Forger.claims()),
      aud: [FORGED_MERCHANT, 'm_other'],
    });

    await rejectsWith(
      verifySettlementToken(other, forgedOptions(forger)),
      'token_audience_mismatch',
    );
    await rejectsWith(
      verifySettlementToken(several, forgedOptions(forger)),
      'token_claims_invalid',
    );
  });

  it('rejects an expired token with token_expired, and accepts one expired within the tolerance', async () => {
    const now = nowSec();
    const expired = await forger.sign(await Forger.claims({ iat: now - 1000, exp: now - 100 }));
    const justExpired = await forger.sign(await Forger.claims({ iat: now - 910, exp: now - 10 }));

    await rejectsWith(verifySettlementToken(expired, forgedOptions(forger)), 'token_expired');
    await verifySettlementToken(justExpired, forgedOptions(forger));
    await rejectsWith(
      verifySettlementToken(justExpired, forgedOptions(forger, { clockToleranceSec: 0 })),
      'token_expired',
    );
  });

  it('rejects a token older than its 900 s life with token_expired, whatever its exp says', async () => {
    const now = nowSec();
    const token = await forger.sign(await Forger.claims({ iat: now - 2000, exp: now + 3600 }));

    await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_expired');
  });

  it('rejects iat or nbf in the future beyond the tolerance with token_not_yet_valid, and accepts within it', async () => {
    const now = nowSec();
    const future = await forger.sign(await Forger.claims({ iat: now + 120, exp: now + 1020 }));
    const slightlyAhead = await forger.sign(await Forger.claims({ iat: now + 20, exp: now + 920 }));
    const notBefore = await forger.sign(await Forger.claims({ nbf: now + 120 }));

    await rejectsWith(verifySettlementToken(future, forgedOptions(forger)), 'token_not_yet_valid');
    await rejectsWith(
      verifySettlementToken(notBefore, forgedOptions(forger)),
      'token_not_yet_valid',
    );
    assert.equal((await verifySettlementToken(slightlyAhead, forgedOptions(forger))).iat, now + 20);
    await rejectsWith(
      verifySettlementToken(slightlyAhead, forgedOptions(forger, { clockToleranceSec: 5 })),
      'token_not_yet_valid',
    );
  });

  it('rejects a kid that is not in a jwks object with token_key_unknown', async () => {
    const stranger = await Forger.create();

    await rejectsWith(
      verifySettlementToken(await stranger.sign(), forgedOptions(forger)),
      'token_key_unknown',
    );
  });

  it('rejects a txn that does not match the token claims with token_txn_mismatch', async () => {
    const claims = await Forger.claims();
    const otherTxn = (await Forger.claims({ amount: 1 })).txn;

    const token = await forger.sign({ ...claims, txn: otherTxn });

    await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_txn_mismatch');
  });

  it('rejects a token missing any required claim with token_claims_invalid', async () => {
    const required = [
      'iss',
      'aud',
      'sub',
      'jti',
      'iat',
      'exp',
      'orderId',
      'amount',
      'currency',
      'txn',
      'amr',
    ];
    for (const claim of required) {
      const { [claim]: _missing, ...claims } = await Forger.claims();

      await rejectsWith(
        verifySettlementToken(await forger.sign(claims), forgedOptions(forger)),
        'token_claims_invalid',
      );
    }
  });

  it('accepts either key method, hwk or swk, with mfa and mca in any order', async () => {
    const cases: [string[], string][] = [
      [['hwk', 'mfa', 'mca'], 'hwk'],
      [['swk', 'mfa', 'mca'], 'swk'],
      [['mca', 'swk', 'mfa'], 'swk'],
    ];
    for (const [amr, keyMethod] of cases) {
      const token = await forger.sign(await Forger.claims({ amr }));

      const claims = await verifySettlementToken(token, forgedOptions(forger));

      assert.deepEqual(claims.amr, [keyMethod, 'mfa', 'mca']);
    }
  });

  it('with requireHardwareKey, refuses a test card (swk) with token_hardware_key_required before the replay guard, and accepts hwk', async () => {
    const software = await forger.sign(await Forger.claims({ amr: ['swk', 'mfa', 'mca'] }));
    const hardware = await forger.sign(await Forger.claims({ amr: ['hwk', 'mfa', 'mca'] }));
    const replayGuard = createMemoryReplayGuard();
    const strict = forgedOptions(forger, { requireHardwareKey: true, replayGuard });

    await rejectsWith(verifySettlementToken(software, strict), 'token_hardware_key_required');
    // The refusal spent nothing: the same token still verifies for a verifier that allows test cards.
    await verifySettlementToken(software, forgedOptions(forger, { replayGuard }));
    assert.deepEqual((await verifySettlementToken(hardware, strict)).amr, ['hwk', 'mfa', 'mca']);
    await verifySettlementToken(software, forgedOptions(forger, { requireHardwareKey: false }));
  });

  it('rejects mistyped claims with token_claims_invalid', async () => {
    const cases: Record<string, unknown>[] = [
      { amount: '1500' },
      { amount: 15.5 },
      { amount: 0 },
      { currency: 'krw' },
      { currency: 'XXX' },
      { orderId: 42 },
      { sub: '' },
      { jti: 7 },
      { iat: '1700000000' },
      { amr: 'hwk mfa mca' },
      { amr: ['hwk', 'mfa'] },
      { amr: ['pwd', 'hwk', 'mfa', 'mca'] },
      { amr: ['hwk', 'swk', 'mfa', 'mca'] },
      { amr: ['hwk', 'swk', 'mca'] },
      { amr: ['hwk', 'hwk', 'mfa'] },
      { amr: ['hwk', 'mfa', 'mfa'] },
      { amr: ['mfa', 'mca', 'pwd'] },
      { amr: ['HWK', 'mfa', 'mca'] },
      { amr: [] },
    ];
    for (const override of cases) {
      const claims = { ...(await Forger.claims()), ...override };

      await rejectsWith(
        verifySettlementToken(await forger.sign(claims), forgedOptions(forger)),
        'token_claims_invalid',
      );
    }
    const badTxn = { ...(await Forger.claims()), txn: 'not-a-hash' };
    await rejectsWith(
      verifySettlementToken(await forger.sign(badTxn), forgedOptions(forger)),
      'token_claims_invalid',
    );
  });

  it('rejects garbage that is not a JWS with token_malformed', async () => {
    const garbage = [
      '',
      'hello',
      'a.b',
      'a.b.c',
      '...',
      'a.b.c.d.e',
      `${encodeJson(['ES256'])}.${encodeJson({})}.AAAA`,
      `${encodeJson({ typ: TYP })}.${encodeJson({})}.AAAA`,
      'x'.repeat(10_000),
      42 as unknown as string,
      null as unknown as string,
    ];
    for (const token of garbage) {
      await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_malformed');
    }
  });

  it('rejects a signed JWS whose payload is not a JSON object with token_malformed', async () => {
    for (const payload of ['not json', '[1,2]', '"a string"']) {
      const token = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ES256', typ: TYP, kid: forger.kid })
        .sign(forger.privateKey);

      await rejectsWith(verifySettlementToken(token, forgedOptions(forger)), 'token_malformed');
    }
  });

  it('checks the signature before the payload: junk under a valid header is token_signature_invalid', async () => {
    const header = encodeJson({ alg: 'ES256', typ: TYP, kid: forger.kid });

    await rejectsWith(
      verifySettlementToken(`${header}.${encodeJson([1, 2])}.AAAA`, forgedOptions(forger)),
      'token_signature_invalid',
    );
  });

  it('checks the replay guard only after the token verified, then adds jti with exp plus the tolerance', async () => {
    const calls: string[] = [];
    const added: [string, number][] = [];
    const replayGuard: ReplayGuard = {
      has: (jti) => (calls.push(`has ${jti}`), false),
      add: (jti, exp) => {
        calls.push(`add ${jti}`);
        added.push([jti, exp]);
      },
    };
    const claims = await Forger.claims();
    const forgedBad = await forger.sign({
      ...claims,
      txn: (await Forger.claims({ amount: 2 })).txn,
    });

    await rejectsWith(
      verifySettlementToken(forgedBad, forgedOptions(forger, { replayGuard })),
      'token_txn_mismatch',
    );
    assert.deepEqual(calls, []);
    await verifySettlementToken(await forger.sign(claims), forgedOptions(forger, { replayGuard }));

    assert.deepEqual(calls, [`has ${claims.jti}`, `add ${claims.jti}`]);
    assert.deepEqual(added, [[claims.jti, (claims.exp as number) + 30]]);
  });

  it('reads false or null from add (a raw Redis SET NX answer) as token_replayed', async () => {
    for (const answer of [false, null]) {
      const replayGuard: ReplayGuard = { has: () => false, add: async () => answer };

      await rejectsWith(
        verifySettlementToken(await forger.sign(), forgedOptions(forger, { replayGuard })),
        'token_replayed',
      );
    }
  });

  it('fails closed with token_replayed when the replay guard throws, keeping its error as cause', async () => {
    const outage = new Error('redis down');
    const throwingHas: ReplayGuard = { has: () => Promise.reject(outage), add: () => undefined };
    const throwingAdd: ReplayGuard = { has: () => false, add: () => Promise.reject(outage) };

    for (const replayGuard of [throwingHas, throwingAdd]) {
      const error = await verifySettlementToken(
        await forger.sign(),
        forgedOptions(forger, { replayGuard }),
      ).catch((e: unknown) => e);

      assert.ok(error instanceof SettlementTokenError);
      assert.equal(error.code, 'token_replayed');
      assert.equal(error.cause, outage);
    }
  });

  it('rejects missing or contradictory options with invalid_options', async () => {
    const token = await forger.sign();
    const base = { issuer: FORGED_ISSUER, audience: FORGED_MERCHANT };
    const bad: unknown[] = [
      undefined,
      { audience: FORGED_MERCHANT, jwks: forger.jwks },
      { issuer: FORGED_ISSUER, jwks: forger.jwks },
      { ...base, issuer: '', jwks: forger.jwks },
      base,
      { ...base, jwks: forger.jwks, jwksUrl: 'https://issuer.test/.well-known/jwks.json' },
      { ...base, jwks: { keys: 'nope' } },
      { ...base, jwksUrl: 'not a url' },
      { ...base, jwksUrl: 'http://issuer.example/.well-known/jwks.json' },
      { ...base, jwksUrl: 'ftp://localhost/jwks.json' },
      { ...base, jwks: forger.jwks, clockToleranceSec: -1 },
      { ...base, jwks: forger.jwks, clockToleranceSec: Number.NaN },
      {
        ...base,
        jwks: forger.jwks,
        expected: { orderId: 'order-1', amount: '1500', currency: 'KRW' },
      },
      {
        ...base,
        jwks: forger.jwks,
        expected: { orderId: 'order-1', amount: 1500, currency: 'krw' },
      },
      { ...base, jwks: forger.jwks, expected: { amount: 1500, currency: 'KRW' } },
      { ...base, jwks: forger.jwks, replayGuard: { has: () => false } },
      { ...base, jwks: forger.jwks, requireHardwareKey: 'yes' },
    ];
    for (const options of bad) {
      await rejectsWith(
        verifySettlementToken(token, options as VerifySettlementTokenOptions),
        'invalid_options',
      );
    }
  });

  it('rejects with token_key_unknown when the jwks object holds no ES256 key', async () => {
    const token = await forger.sign();

    await rejectsWith(
      verifySettlementToken(
        token,
        forgedOptions(forger, { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }),
      ),
      'token_key_unknown',
    );
  });

  describe('with a remote JWKS', () => {
    it('fetches once, caches, and refetches exactly once on an unknown kid after the cooldown', async () => {
      const jwksServer = await startJwksServer(forger.jwks);
      const stranger = await Forger.create();
      const options = forgedOptions(forger, { jwks: undefined, jwksUrl: jwksServer.url });
      try {
        await verifySettlementToken(await forger.sign(), options);
        await verifySettlementToken(await forger.sign(), options);
        assert.equal(jwksServer.state.fetches, 1);

        skipPastCooldown();
        await rejectsWith(
          verifySettlementToken(await stranger.sign(), options),
          'token_key_unknown',
        );
        assert.equal(jwksServer.state.fetches, 2);
        // A flood of unknown kids within the cooldown does not reach the issuer.
        await rejectsWith(
          verifySettlementToken(await stranger.sign(), options),
          'token_key_unknown',
        );
        assert.equal(jwksServer.state.fetches, 2);
      } finally {
        await jwksServer.close();
      }
    });

    it('verifies a token from a new key once the JWKS publishes it (rotation)', async () => {
      const jwksServer = await startJwksServer(forger.jwks);
      const next = await Forger.create();
      const options = forgedOptions(forger, { jwks: undefined, jwksUrl: jwksServer.url });
      try {
        await verifySettlementToken(await forger.sign(), options);
        jwksServer.state.jwks = { keys: [next.publicJwk, forger.publicJwk] };

        skipPastCooldown();
        const claims = await verifySettlementToken(await next.sign(), options);

        assert.equal(claims.aud, FORGED_MERCHANT);
        assert.equal(jwksServer.state.fetches, 2);
        await verifySettlementToken(await forger.sign(), options);
        assert.equal(jwksServer.state.fetches, 2);
      } finally {
        await jwksServer.close();
      }
    });

    it('reports an unreachable or failing JWKS as jwks_unavailable', async () => {
      const jwksServer = await startJwksServer(forger.jwks);
      jwksServer.state.status = 500;
      const failing = forgedOptions(forger, { jwks: undefined, jwksUrl: jwksServer.url });
      await rejectsWith(verifySettlementToken(await forger.sign(), failing), 'jwks_unavailable');
      await jwksServer.close();

      const unreachable = forgedOptions(forger, {
        jwks: undefined,
        jwksUrl: jwksServer.url + '?closed',
      });
      await rejectsWith(
        verifySettlementToken(await forger.sign(), unreachable),
        'jwks_unavailable',
      );
    });
  });
});

describe('createMemoryReplayGuard', () => {
  it('adds a jti once and reports a duplicate add with false', () => {
    const guard = createMemoryReplayGuard();
    const exp = nowSec() + 60;

    assert.equal(guard.add('stl_1', exp), true);
    assert.equal(guard.add('stl_1', exp), false);
    assert.equal(guard.has('stl_1'), true);
    assert.equal(guard.has('stl_2'), false);
  });

  it('drops entries once their exp has passed', () => {
    let nowMs = 1_000_000;
    const guard = createMemoryReplayGuard({ now: () => nowMs });
    guard.add('stl_old', 1_010);
    guard.add('stl_new', 1_100);

    nowMs = 1_010_000;

    assert.equal(guard.has('stl_old'), false);
    assert.equal(guard.size, 1);
    assert.equal(guard.add('stl_old', 1_100), true);
  });
});

describe('SettlementTokenError codes', () => {
  it('lists every code once, and maps jose errors by their code', () => {
    const cases: [unknown, 'token' | 'local-jwks' | 'remote-jwks', SettlementTokenErrorCode][] = [
      [new joseErrors.JWSInvalid(), 'token', 'token_malformed'],
      [new joseErrors.JWTInvalid(), 'token', 'token_malformed'],
      [new joseErrors.JOSEAlgNotAllowed(), 'token', 'token_algorithm_invalid'],
      [new joseErrors.JWSSignatureVerificationFailed(), 'token', 'token_signature_invalid'],
      [new joseErrors.JWTExpired('x', {}, 'exp'), 'token', 'token_expired'],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'typ', 'check_failed'),
        'token',
        'token_type_invalid',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'iss', 'check_failed'),
        'token',
        'token_issuer_mismatch',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'aud', 'check_failed'),
        'token',
        'token_audience_mismatch',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'iat', 'check_failed'),
        'token',
        'token_not_yet_valid',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'nbf', 'check_failed'),
        'token',
        'token_not_yet_valid',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'iss', 'missing'),
        'token',
        'token_claims_invalid',
      ],
      [
        new joseErrors.JWTClaimValidationFailed('x', {}, 'exp', 'invalid'),
        'token',
        'token_claims_invalid',
      ],
      [new joseErrors.JWKSNoMatchingKey(), 'remote-jwks', 'token_key_unknown'],
      [new joseErrors.JWKSTimeout(), 'remote-jwks', 'jwks_unavailable'],
      [new joseErrors.JOSEError('Expected 200 OK'), 'remote-jwks', 'jwks_unavailable'],
      [new TypeError('fetch failed'), 'remote-jwks', 'jwks_unavailable'],
      [new joseErrors.JWKSInvalid(), 'local-jwks', 'invalid_options'],
      [new TypeError('odd input'), 'token', 'token_malformed'],
    ];

    for (const [error, source, code] of cases) {
      const mapped = toSettlementTokenError(error, source);

      assert.equal(mapped.code, code, `${String(error)} from ${source}`);
      assert.equal(mapped.cause, error);
    }
    assert.equal(new Set(SETTLEMENT_TOKEN_ERROR_CODES).size, 18);
    assert.ok(SETTLEMENT_TOKEN_ERROR_CODES.every(isSettlementTokenErrorCode));
    assert.equal(isSettlementTokenErrorCode('token_bogus'), false);
  });
});
