/**
 * The small subset of CBOR (RFC 8949) a FIDO2 authenticator writes: unsigned and negative integers,
 * byte strings, text strings, arrays and maps. Enough to build attestation objects (with an `x5c`
 * array) and COSE keys.
 */
export type CborValue = number | string | Uint8Array | readonly CborValue[] | CborMap;
export type CborMap = Map<number | string, CborValue>;

function head(major: number, length: number): number[] {
  const type = major << 5;
  if (length < 24) return [type | length];
  if (length < 0x100) return [type | 24, length];
  if (length < 0x10000) return [type | 25, length >> 8, length & 0xff];
  if (length <= 0xffffffff) {
    return [
      type | 26,
      (length >>> 24) & 0xff,
      (length >> 16) & 0xff,
      (length >> 8) & 0xff,
      length & 0xff,
    ];
  }
  throw new RangeError('CBOR length too large for this encoder');
}

/** Encodes `value` as definite-length CBOR. */
export function encodeCbor(value: CborValue): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  const write = (item: CborValue): void => {
    if (typeof item === 'number') {
      if (!Number.isSafeInteger(item)) throw new RangeError('Only integers are supported');
      out.push(...(item >= 0 ? head(0, item) : head(1, -1 - item)));
    } else if (typeof item === 'string') {
      const bytes = new TextEncoder().encode(item);
      out.push(...head(3, bytes.length), ...bytes);
    } else if (item instanceof Uint8Array) {
      out.push(...head(2, item.length), ...item);
    } else if (item instanceof Map) {
      out.push(...head(5, item.size));
      for (const [key, entry] of item) {
        write(key);
        write(entry);
      }
    } else {
      out.push(...head(4, item.length));
      for (const entry of item) write(entry);
    }
  };
  write(value);
  return Uint8Array.from(out);
}
