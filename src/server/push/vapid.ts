/**
 * The issuer's VAPID key pair (RFC 8292): one P-256 key per issuer, made once — whichever process
 * stores it first wins (`Store.ensureVapidKey`) — and never rotated, since every browser
 * subscription is bound to the public key it was made with (`applicationServerKey`). The private
 * scalar is sealed at rest with the key-encryption key when one is set, as signing keys are
 * (`key-encryption.ts`); an issuer that turns a KEK on seals a stored clear key on start.
 */
import { generateKeyPairSync } from 'node:crypto';
import { isSealed, seal, unseal } from '../key-encryption.js';
import type { Store, VapidKeyRecord } from '../store/types.js';

/** A usable key pair, in web-push's form: unpadded base64url of the point and of the scalar. */
export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
}

/** The sealing context: a sealed private key opens only with this issuer's public key beside it. */
const sealContext = (publicKey: string) => `vapid:${publicKey}`;

/** A fresh P-256 key pair: the uncompressed point 0x04 ‖ X ‖ Y and the 32-byte scalar. */
export function generateVapidKeyPair(): VapidKeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y || !jwk.d) throw new Error('P-256 key export lacks coordinates');
  const point = Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d };
}

export class VapidKeys {
  private readonly store: Store;
  private readonly kek: Buffer | undefined;
  private pair: VapidKeyPair | null = null;
  private loading: Promise<VapidKeyPair> | null = null;

  constructor(store: Store, options: { keyEncryptionKey?: Buffer | undefined } = {}) {
    this.store = store;
    this.kek = options.keyEncryptionKey;
  }

  /**
   * Loads the stored key pair, making it first when there is none, and sealing a clear private
   * key when a KEK is set. Throws when the key is sealed and no (or the wrong) KEK is set.
   */
  async load(now: number): Promise<VapidKeyPair> {
    if (this.pair) return this.pair;
    this.loading ??= this.loadOnce(now).finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadOnce(now: number): Promise<VapidKeyPair> {
    const fresh = generateVapidKeyPair();
    const stored = await this.store.ensureVapidKey({
      publicKey: fresh.publicKey,
      privateKey: this.kek
        ? seal(fresh.privateKey, this.kek, sealContext(fresh.publicKey))
        : fresh.privateKey,
      createdAt: now,
    });
    const privateKey = this.open(stored);
    if (this.kek && !isSealed(stored.privateKey)) {
      await this.store.replaceVapidPrivateKey(
        stored.privateKey,
        seal(privateKey, this.kek, sealContext(stored.publicKey)),
      );
    }
    this.pair = { publicKey: stored.publicKey, privateKey };
    return this.pair;
  }

  /** The public key, once `load` has run. */
  get publicKey(): string {
    if (!this.pair) throw new Error('VapidKeys.load() was not called');
    return this.pair.publicKey;
  }

  private open(stored: VapidKeyRecord): string {
    if (!isSealed(stored.privateKey)) return stored.privateKey;
    if (!this.kek) {
      throw new Error(
        'The VAPID key is encrypted: set DUALPAY_KEY_ENCRYPTION_KEY to the key that sealed it',
      );
    }
    try {
      return unseal(stored.privateKey, this.kek, sealContext(stored.publicKey));
    } catch (cause) {
      throw new Error('DUALPAY_KEY_ENCRYPTION_KEY does not open the stored VAPID key', { cause });
    }
  }
}
