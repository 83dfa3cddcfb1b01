/**
 * ES256 signing keys for settlement tokens. Keys live in the store (private keys never leave it
 * except into this process's memory); the JWKS serves the current key and retired keys until every
 * token they signed has expired. A deployment would keep private keys in a KMS/HSM and implement
 * `sign` with the KMS's ECDSA P-256 operation (see docs/operations.md).
 */
import {
  createPrivateKey,
  sign as signEcdsa,
  type KeyObject,
  type JsonWebKey as NodeJsonWebKey,
} from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  SETTLEMENT_TOKEN_TTL_SEC,
  SETTLEMENT_TOKEN_TYP,
  type SettlementClaims,
} from '../protocol/index.js';
import type { SigningKeyRecord, Store } from './store/types.js';

/** Retired keys stay published this long after retirement: token life plus clock tolerance. */
export const RETIRED_KEY_GRACE_MS = (SETTLEMENT_TOKEN_TTL_SEC + 300) * 1000;

export class SigningKeys {
  private readonly store: Store;
  private current: { kid: string; key: KeyObject } | null = null;
  private published: JWK[] = [];
  private records: SigningKeyRecord[] = [];

  constructor(store: Store) {
    this.store = store;
  }

  /** Loads the keys, creating the first one when the store has none. */
  async init(now: number): Promise<void> {
    const keys = await this.store.listSigningKeys();
    if (!keys.some((key) => key.retiredAt === null)) await this.rotate(now);
    else await this.load(now);
  }

  /** Makes a new current key; the previous one stays in the JWKS until its tokens expire. */
  async rotate(now: number): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const record: SigningKeyRecord = {
      kid,
      privateJwk: (await exportJWK(privateKey)) as JsonWebKey,
      publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } as JsonWebKey,
      createdAt: now,
      retiredAt: null,
    };
    await this.store.rotateSigningKey(record, now);
    await this.load(now);
    return kid;
  }

  private async load(now: number): Promise<void> {
    this.records = await this.store.listSigningKeys();
    const active = this.records.find((key) => key.retiredAt === null);
    if (!active) throw new Error('No current signing key');
    this.current = { kid: active.kid, key: es256PrivateKey(active.privateJwk) };
    this.publish(now);
  }

  /** Recomputes the JWKS from the loaded keys: current, then retired ones still in grace. */
  private publish(now: number): void {
    this.published = this.records
      .filter((key) => key.retiredAt === null || now - key.retiredAt < RETIRED_KEY_GRACE_MS)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((key) => key.publicJwk as JWK);
  }

  /** The public JWKS: current key first, then retired keys whose tokens may still be live. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published };
  }

  /** The kid new tokens carry. */
  get currentKid(): string {
    if (!this.current) throw new Error('SigningKeys.init() was not called');
    return this.current.kid;
  }

  /**
   * Signs settlement claims as a compact JWS with the current key. Async so that a KMS-backed
   * implementation can replace it without touching callers; this one is {@link signSync}.
   */
  async sign(claims: SettlementClaims): Promise<string> {
    return this.signSync(claims);
  }

  /**
   * Signs settlement claims as a compact JWS (RFC 7515 §7.1) with node:crypto, synchronously:
   * jose's SignJWT goes through Web Crypto, an async thread-pool job per token. Header and
   * payload are byte for byte what `new SignJWT({...rest}).setIssuer(iss).setAudience(aud)
   * .setSubject(sub).setJti(jti).setIssuedAt(iat).setExpirationTime(exp)` produced, with the
   * same input checks (test/server/keys.test.ts compares both).
   */
  signSync(claims: SettlementClaims): string {
    if (!this.current) throw new Error('SigningKeys.init() was not called');
    const { iss, aud, sub, jti, iat, exp, ...rest } = claims;
    for (const [name, value] of Object.entries({ iss, aud, sub, jti })) {
      if (typeof value !== 'string') throw new TypeError(`"${name}" claim must be a string`);
    }
    for (const [name, value] of Object.entries({ iat, exp })) {
      if (!Number.isFinite(value)) throw new TypeError(`"${name}" claim must be a finite number`);
    }
    const header = { alg: 'ES256', typ: SETTLEMENT_TOKEN_TYP, kid: this.current.kid };
    // Claim order as jose's builder set them: the private claims first, then the registered ones.
    const payload = { ...rest, iss, aud, sub, jti, iat, exp };
    const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
    // RFC 7518 §3.4: ES256 signatures are R ‖ S, 32 bytes each (IEEE P1363), not DER.
    const signature = signEcdsa('sha256', Buffer.from(signingInput, 'utf8'), {
      key: this.current.key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** Drops retired keys past their grace period from the JWKS (called by the sweeper). */
  refresh(now: number): void {
    this.publish(now);
  }
}

/** Unpadded base64url of the UTF-8 JSON of `value` (RFC 7515 §2, BASE64URL(UTF8(...))). */
function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The stored private JWK as a node KeyObject, created once per load. It must be a P-256 key, as
 * jose's `importJWK(jwk, 'ES256')` required before.
 */
function es256PrivateKey(jwk: JsonWebKey): KeyObject {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new TypeError('The current signing key is not a private ES256 (P-256) JWK');
  }
  // The DOM and node JWK types differ only in typing (an index signature), not in content.
  const key = createPrivateKey({ key: jwk as NodeJsonWebKey, format: 'jwk' });
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('The current signing key is not on curve P-256');
  }
  return key;
}
