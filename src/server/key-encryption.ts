/**
 * Private signing keys at rest: sealed with AES-256-GCM under a key-encryption key (KEK) when the
 * operator sets one (`DUALPAY_KEY_ENCRYPTION_KEY`, 32 random bytes in base64 or hex). The sealed
 * form is `enc:v1:` + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag), with the key's `kid` as
 * additional authenticated data, so a sealed key cannot be moved onto another row. Without a KEK,
 * keys are stored as their JWK JSON (docs/operations.md explains the KMS route instead).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The KEK from its text form (base64, base64url or hex of exactly 32 bytes); throws otherwise. */
export function parseKeyEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) {
    throw new TypeError(
      'DUALPAY_KEY_ENCRYPTION_KEY must be 32 random bytes in base64 or hex (openssl rand -base64 32)',
    );
  }
  return key;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Seals `plaintext` under `kek`, bound to `kid`. */
export function seal(plaintext: string, kek: Buffer, kid: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed key; throws when the KEK is wrong or the text was altered. */
export function unseal(stored: string, kek: Buffer, kid: string): string {
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('The sealed key is truncated');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(kid, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
