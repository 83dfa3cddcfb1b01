/** Hashing and comparison helpers of the issuer. */
import { createHash } from 'node:crypto';
import { canonicalTransaction, type CanonicalTransaction } from '../protocol/index.js';

/** Hex SHA-256 of a UTF-8 string: how secrets, keys and codes are stored (never in clear). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Compact JSON with object keys sorted at every level: a stable form for hashing requests. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The `txn` hash as `transactionHash` (protocol) computes it, synchronously with node:crypto:
 * the issuer computes one per session creation, and Web Crypto's async dispatch costs more than
 * the hash (bench: ~7 % of a creation). test/server/crypto.test.ts checks both agree.
 */
export function transactionHashSync(txn: CanonicalTransaction): string {
  return createHash('sha256').update(canonicalTransaction(txn), 'utf8').digest('base64url');
}
