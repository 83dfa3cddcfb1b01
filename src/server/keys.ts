/**
 * ES256 signing keys for settlement tokens. Keys live in the store (private keys never leave it
 * except into this process's memory); the JWKS serves the current key and retired keys until every
 * token they signed has expired. A deployment would keep private keys in a KMS/HSM and implement
 * `sign` with the KMS's ECDSA P-256 operation (see docs/operations.md).
 */
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
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
  private current: { kid: string; key: CryptoKey } | null = null;
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
    this.current = {
      kid: active.kid,
      key: (await importJWK(active.privateJwk as JWK, 'ES256')) as CryptoKey,
    };
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

  /** Signs settlement claims as a compact JWS with the current key. */
  async sign(claims: SettlementClaims): Promise<string> {
    if (!this.current) throw new Error('SigningKeys.init() was not called');
    const { iss, aud, sub, jti, iat, exp, ...rest } = claims;
    return new SignJWT({ ...rest })
      .setProtectedHeader({ alg: 'ES256', typ: SETTLEMENT_TOKEN_TYP, kid: this.current.kid })
      .setIssuer(iss)
      .setAudience(aud)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.current.key);
  }

  /** Drops retired keys past their grace period from the JWKS (called by the sweeper). */
  refresh(now: number): void {
    this.publish(now);
  }
}
