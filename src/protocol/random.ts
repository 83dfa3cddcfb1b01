/**
 * CSPRNG helpers over Web Crypto (`globalThis.crypto.getRandomValues`), available in browsers and
 * in Node ≥ 19 without imports.
 */

/** Returns `length` bytes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/**
 * Returns a uniformly distributed integer in `[0, maxExclusive)`.
 * Rejection sampling avoids the modulo bias that `random % n` has when 2^32 is not a multiple of n.
 */
export function randomInt(maxExclusive: number): number {
  if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 2 ** 32) {
    throw new RangeError('maxExclusive must be an integer in [1, 2^32]');
  }
  const limit = 2 ** 32 - (2 ** 32 % maxExclusive);
  const buffer = new Uint32Array(1);
  for (;;) {
    const [value = 0] = globalThis.crypto.getRandomValues(buffer);
    if (value < limit) return value % maxExclusive;
  }
}
