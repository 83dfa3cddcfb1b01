/**
 * ES256 signing keys for settlement tokens. Keys live in the store, their private halves sealed
 * with AES-256-GCM when a key-encryption key is set (`key-encryption.ts`). Each key goes
 * **next → current → retired**:
 *
 * - the *next* key is published in the JWKS before it signs anything, so that verifiers holding a
 *   cached JWKS already know it when the first token carrying its `kid` arrives (jose refetches
 *   an unknown `kid` at most every 30 s; the JWKS is cacheable for 60 s);
 * - rotation makes the next key current (only once it has been published for
 *   `publishLeadMs`) and makes a new next key;
 * - a retired key stays published until every token it signed has expired.
 *
 * Every process reloads the keys on each sweep, so a rotation made by one process reaches the
 * others within a second. A deployment may keep private keys in a KMS/HSM instead and implement
 * `sign` with the KMS's ECDSA P-256 operation (docs/operations.md).
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
import { isSealed, seal, unseal } from './key-encryption.js';
import type { SigningKeyRecord, Store } from './store/types.js';

/** Retired keys stay published this long after retirement: token life plus clock tolerance. */
export const RETIRED_KEY_GRACE_MS = (SETTLEMENT_TOKEN_TTL_SEC + 300) * 1000;
/** A next key is published at least this long before it signs: jose's 30 s cooldown + 60 s cache. */
export const DEFAULT_PUBLISH_LEAD_MS = 2 * 60_000;

export interface SigningKeysOptions {
  /** AES-256 key that seals private keys at rest; without it they are stored in clear. */
  keyEncryptionKey?: Buffer | undefined;
  /** How long a next key is published before it may sign (tests shorten it). */
  publishLeadMs?: number | undefined;
}

/** Rotation refused because the next key has not been published long enough. */
export class RotationTooSoonError extends Error {
  /** When rotation becomes possible (epoch ms). */
  readonly possibleAt: number;

  constructor(possibleAt: number) {
    super(
      `The next signing key is published too recently; rotate after ${new Date(possibleAt).toISOString()}`,
    );
    this.possibleAt = possibleAt;
  }
}

const isCurrent = (key: SigningKeyRecord) => key.activatedAt !== null && key.retiredAt === null;
const isNext = (key: SigningKeyRecord) => key.activatedAt === null && key.retiredAt === null;

export class SigningKeys {
  private readonly store: Store;
  private readonly kek: Buffer | undefined;
  private readonly publishLeadMs: number;
  private current: { kid: string; key: KeyObject } | null = null;
  private published: JWK[] = [];
  private records: SigningKeyRecord[] = [];

  constructor(store: Store, options: SigningKeysOptions = {}) {
    this.store = store;
    this.kek = options.keyEncryptionKey;
    this.publishLeadMs = options.publishLeadMs ?? DEFAULT_PUBLISH_LEAD_MS;
  }

  /**
   * Loads the keys: seals clear-text private keys when a KEK is set, makes the first key when
   * there is none, and makes sure a next key is published. Throws when keys are sealed and no
   * (or the wrong) KEK is set.
   */
  async init(now: number): Promise<void> {
    this.records = await this.store.listSigningKeys();
    await this.sealClearKeys();
    if (!this.records.some(isCurrent)) {
      // A new issuer: nobody has seen its keys yet, so its first key may sign at once.
      const first = await this.makeKey(now);
      await this.store.activateSigningKey(first.kid, now, null);
    }
    this.records = await this.store.listSigningKeys();
    if (!this.records.some(isNext)) await this.makeKey(now);
    await this.refresh(now);
  }

  /**
   * Makes the next key current and publishes a new next key. Refused with `RotationTooSoonError`
   * while the next key has been published for less than the lead time.
   */
  async rotate(now: number): Promise<string> {
    await this.refresh(now);
    const next = this.records.filter(isNext).sort((a, b) => a.createdAt - b.createdAt)[0];
    if (!next) throw new Error('No next signing key');
    if (now - next.createdAt < this.publishLeadMs) {
      throw new RotationTooSoonError(next.createdAt + this.publishLeadMs);
    }
    const activated = await this.store.activateSigningKey(next.kid, now, this.current?.kid ?? null);
    // Another process rotated first: its new key is as good as ours.
    if (activated) await this.makeKey(now);
    await this.refresh(now);
    return this.currentKid;
  }

  /** Reloads the keys (another process may have rotated) and recomputes the JWKS. */
  async refresh(now: number): Promise<void> {
    this.records = await this.store.listSigningKeys();
    const active = this.records.find(isCurrent);
    if (!active) throw new Error('No current signing key');
    if (this.current?.kid !== active.kid) {
      this.current = { kid: active.kid, key: es256PrivateKey(this.openPrivate(active)) };
    }
    this.published = this.records
      .filter((key) => key.retiredAt === null || now - key.retiredAt < RETIRED_KEY_GRACE_MS)
      .sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt)
      .map((key) => key.publicJwk as JWK);
  }

  /** The public JWKS: the current key, the next one, then retired keys whose tokens may be live. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published };
  }

  /** The kid new tokens carry. */
  get currentKid(): string {
    if (!this.current) throw new Error('SigningKeys.init() was not called');
    return this.current.kid;
  }

  /** The kid that will sign after the next rotation. */
  get nextKid(): string | undefined {
    return this.records.find(isNext)?.kid;
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
   * payload are byte for byte what jose's `SignJWT` builder produced, with the same input checks
   * (test/server/keys.test.ts compares both).
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

  /** Makes and stores a new next key (published, not yet signing). */
  private async makeKey(now: number): Promise<SigningKeyRecord> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateText = JSON.stringify(await exportJWK(privateKey));
    const record: SigningKeyRecord = {
      kid,
      privateKey: this.kek ? seal(privateText, this.kek, kid) : privateText,
      publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } as JsonWebKey,
      createdAt: now,
      activatedAt: null,
      retiredAt: null,
    };
    await this.store.addSigningKey(record);
    return record;
  }

  /** With a KEK set, seals every private key still stored in clear (an issuer turning it on). */
  private async sealClearKeys(): Promise<void> {
    for (const key of this.records) {
      if (isSealed(key.privateKey)) this.openPrivate(key);
      else if (this.kek) {
        await this.store.setSigningKeyPrivate(key.kid, seal(key.privateKey, this.kek, key.kid));
      }
    }
  }

  /** The private JWK of `key`, unsealed if needed. */
  private openPrivate(key: SigningKeyRecord): JsonWebKey {
    if (!isSealed(key.privateKey)) return JSON.parse(key.privateKey) as JsonWebKey;
    if (!this.kek) {
      throw new Error(
        'The signing keys are encrypted: set DUALPAY_KEY_ENCRYPTION_KEY to the key that sealed them',
      );
    }
    try {
      return JSON.parse(unseal(key.privateKey, this.kek, key.kid)) as JsonWebKey;
    } catch (cause) {
      throw new Error('DUALPAY_KEY_ENCRYPTION_KEY does not open the stored signing keys', {
        cause,
      });
    }
  }
}

/** JWKS order: current, next, retired. */
function rank(key: SigningKeyRecord): number {
  if (isCurrent(key)) return 0;
  return isNext(key) ? 1 : 2;
}

/** Unpadded base64url of the UTF-8 JSON of `value` (RFC 7515 §2, BASE64URL(UTF8(...))). */
function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The stored private JWK as a node KeyObject, created once per current key. It must be a P-256
 * key, as jose's `importJWK(jwk, 'ES256')` required before.
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
