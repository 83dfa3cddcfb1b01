/**
 * Recovery codes (one-time codes an account gets with its first card): 16 Crockford base32
 * characters, 80 bits from the CSPRNG, shown in four groups of four (`XXXX-XXXX-XXXX-XXXX`). The
 * issuer keeps only the SHA-256 of the normalized form, so the phone and the issuer must read a
 * typed code the same way: `normalizeRecoveryCode`.
 */
import { randomBytes } from './random.js';

/** Crockford's base32 alphabet: digits and letters without I, L, O and U. */
export const RECOVERY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters in a recovery code: 16 × 5 bits = 80 bits. */
export const RECOVERY_CODE_LENGTH = 16;
/** How many codes an account gets with its first card. */
export const RECOVERY_CODE_COUNT = 10;

const RECOVERY_CODE_PATTERN = new RegExp(
  `^[${RECOVERY_CODE_ALPHABET}]{${String(RECOVERY_CODE_LENGTH)}}$`,
);
// Whitespace, hyphen-minus, underscore and the Unicode dashes a phone keyboard may insert.
const SEPARATORS = /[\s\-_\u2010-\u2015\u2212\u30fc\uff0d]/g;

/** A fresh recovery code, formatted for people: `7GQ2-M0XK-…`. */
export function generateRecoveryCode(): string {
  const bytes = randomBytes((RECOVERY_CODE_LENGTH * 5) / 8);
  let bits = 0;
  let value = 0;
  let code = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      code += RECOVERY_CODE_ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return formatRecoveryCode(code);
}

/**
 * Reads a recovery code as a person typed it: any case, full-width characters, spaces and dashes
 * anywhere, and Crockford's aliases (I and L read as 1, O as 0). Returns the 16 canonical
 * characters (the form the issuer hashes), or `null` when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const normalized = input
    .normalize('NFKC')
    .replace(SEPARATORS, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return RECOVERY_CODE_PATTERN.test(normalized) ? normalized : null;
}

/** A recovery code as people see it: four groups of four, joined by dashes. */
export function formatRecoveryCode(code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new TypeError('Not a recovery code');
  return normalized.match(/.{4}/g)?.join('-') ?? normalized;
}
