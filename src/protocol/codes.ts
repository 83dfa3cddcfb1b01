import { base64urlEncode } from './base64url.js';
import { randomBytes, randomInt } from './random.js';

/** Bytes of CSPRNG output in a hand-off code: 144 bits, 24 base64url characters. */
export const HANDOFF_CODE_BYTES = 18;

/**
 * The user-code alphabet: 20 consonants, no vowels (no words), no look-alikes such as 0/O or 1/I
 * (RFC 8628 §6.1 recommends the same set).
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** Letters in a user code; 20^8 ≈ 2^34.6 possibilities. */
export const USER_CODE_LENGTH = 8;

const HANDOFF_CODE_PATTERN = /^[A-Za-z0-9_-]{22,}$/;
const USER_CODE_PATTERN = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);
// Whitespace, hyphen-minus, underscore and the Unicode dashes a phone keyboard may insert.
const USER_CODE_SEPARATORS = /[\s\-_\u2010-\u2015\u2212\u30fc\uff0d]/g;

/** A fresh hand-off code: ≥128 bits from the CSPRNG, base64url without padding. */
export function generateHandoffCode(): string {
  return base64urlEncode(randomBytes(HANDOFF_CODE_BYTES));
}

/** Whether `value` looks like a hand-off code (base64url, at least 128 bits). */
export function isHandoffCode(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && HANDOFF_CODE_PATTERN.test(value);
}

/** A fresh user code: 8 letters of `USER_CODE_ALPHABET`, stored without the dash. */
export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) {
    code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  }
  return code;
}

/** The user code as people see it: `WDJBMJHT` → `WDJB-MJHT`. */
export function formatUserCode(code: string): string {
  const normalized = parseUserCode(code);
  if (normalized === null) throw new TypeError('Not a user code');
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/**
 * Reads a user code as a person typed it: any case, full-width letters, spaces and dashes anywhere.
 * Returns the 8 canonical letters, or `null` when it is not a user code.
 */
export function parseUserCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const normalized = input.normalize('NFKC').replace(USER_CODE_SEPARATORS, '').toUpperCase();
  return USER_CODE_PATTERN.test(normalized) ? normalized : null;
}

/** A fresh binding number: two digits, `"00"` to `"99"`, uniformly. */
export function generateBindingCode(): string {
  return String(randomInt(100)).padStart(2, '0');
}

/** Whether `value` is a binding number: a string of exactly two ASCII digits. */
export function isBindingCode(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{2}$/.test(value);
}

/**
 * A fresh identifier with a type prefix: `generateId('cs')` → `cs_` + 22 base64url characters
 * (128 bits), so ids are unguessable as well as unique.
 */
export function generateId(prefix: string): string {
  return `${prefix}_${base64urlEncode(randomBytes(16))}`;
}

/**
 * A fresh secret with a prefix (`sk_test`, `ak`, a client secret): 256 bits of base64url.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}_${base64urlEncode(randomBytes(32))}`;
}
