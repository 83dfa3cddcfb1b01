/**
 * QR codes as SVG path data, from the module matrix of `qrcode`'s core (error correction M).
 * One `<path>` of unit squares scales crisply to any size and needs no inline styles or
 * `innerHTML`, so it works under a strict CSP. Shared by the checkout element and the operator
 * console, which may both import src/flow (moving it here from src/element left the CDN bundle
 * byte-for-byte the same).
 */
import qrcode from 'qrcode/lib/core/qrcode.js';

/** Quiet zone in modules (ISO/IEC 18004 asks for 4). */
export const QUIET_ZONE = 4;

export interface QrPath {
  /** Width and height of the viewBox, quiet zone included. */
  size: number;
  /** Path data of the dark modules. */
  d: string;
}

/** The QR code of `text` as path data; runs of dark modules in a row become one rectangle. */
export function qrPath(text: string): QrPath {
  // One byte segment: the bundles carry only qrcode's byte mode (see src/element/qr-segments.ts).
  const { modules } = qrcode.create([{ data: text, mode: 'byte' }], { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h${start - col}z`);
    }
  }
  return { size: modules.size + 2 * QUIET_ZONE, d: parts.join('') };
}
