/** Advisory-lock keys: one 64-bit key per name, the same in every process and version. */
import { createHash } from 'node:crypto';

/**
 * The signed 64-bit key (as decimal text, for a `$n::bigint` parameter) that names `name`'s
 * advisory lock: the first 8 bytes of SHA-256 of `dualpay:<name>`. Computed here rather than with
 * the server's `hashtext`, whose values PostgreSQL does not promise to keep across versions.
 */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`dualpay:${name}`).digest().readBigInt64BE(0).toString();
}
