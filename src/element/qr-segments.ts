/**
 * Byte-mode-only stand-in for `qrcode/lib/core/segments.js`, swapped in by our bundlers
 * (rollup.config.mjs, web-test-runner.config.mjs). The element always encodes one URL as one byte
 * segment, so the mixed-mode optimizer (segments, Dijkstra, kanji/numeric/alphanumeric) is ~2 KB
 * of gzip the shopper never needs.
 */
import ByteData from 'qrcode/lib/core/byte-data.js';

export function fromArray(array: readonly { data: string }[]): unknown[] {
  return array.map((segment) => new ByteData(segment.data));
}

export function fromString(): never {
  throw new Error('dualpay encodes QR codes as byte segments only');
}

export const rawSplit = fromString;
