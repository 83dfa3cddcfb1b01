/**
 * The QR encoder (src/flow/qr-encode.ts) against the `qrcode` package it replaced:
 * the same modules for the same text at level M (version, codewords, mask choice and all), and a
 * decoder (jsQR) reads back the exact text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsQRModule from 'jsqr';
import qrcode from 'qrcode/lib/core/qrcode.js';
import { encodeQr, type QrMatrix } from '../../src/flow/qr-encode.js';
import { qrPath, QUIET_ZONE } from '../../src/flow/qr.js';

// jsQR is CommonJS: its module object carries the function as `default` (and is callable too).
const jsQR = jsQRModule.default;

/** Hand-off URLs as issuers make them, from short to long, and text beyond ASCII. */
const TEXTS = [
  'a',
  'http://localhost:4010/h/lE2TnHADRzBhl33IcA2J-s16',
  'https://issuer.example/h/lE2TnHADRzBhl33IcA2J-s16',
  'https://payments.issuer-bank.example.com:8443/h/AbCdEfGhIjKlMnOpQrStUvWx',
  `https://issuer.example/h/${'x'.repeat(100)}`,
  `https://issuer.example/h/${'y'.repeat(230)}`,
  `https://issuer.example/h/${'z'.repeat(600)}`,
  'https://결제.example/h/카드로결제-확인번호',
  ...Array.from({ length: 40 }, (_, i) => `https://issuer.test/h/${'q'.repeat(i * 7)}${i}`),
];

function modulesOf(matrix: { size: number; get(row: number, col: number): unknown }): string {
  let rows = '';
  for (let row = 0; row < matrix.size; row++) {
    for (let col = 0; col < matrix.size; col++) rows += matrix.get(row, col) ? '1' : '0';
    rows += '\n';
  }
  return rows;
}

/** Reads `matrix` as a camera would: 4 px per module, quiet zone, black on white. */
function decode(matrix: QrMatrix): string | null {
  const scale = 4;
  const side = (matrix.size + 2 * QUIET_ZONE) * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / scale) - QUIET_ZONE;
      const col = Math.floor(x / scale) - QUIET_ZONE;
      const inside = row >= 0 && col >= 0 && row < matrix.size && col < matrix.size;
      if (inside && matrix.get(row, col))
        pixels.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  }
  return jsQR(pixels, side, side)?.data ?? null;
}

describe('encodeQr', () => {
  for (const text of TEXTS) {
    it(`draws the modules qrcode draws for ${JSON.stringify(text.slice(0, 48))} (${new TextEncoder().encode(text).length} bytes)`, () => {
      const ours = encodeQr(text);
      const { modules } = qrcode.create([{ data: text, mode: 'byte' }], {
        errorCorrectionLevel: 'M',
      });

      assert.equal(ours.size, modules.size);
      assert.equal(modulesOf(ours), modulesOf(modules));
    });
  }

  for (const text of TEXTS.slice(0, 8)) {
    it(`is read back exactly by a decoder: ${JSON.stringify(text.slice(0, 48))}`, () => {
      assert.equal(decode(encodeQr(text)), text);
    });
  }

  it('refuses text too long for version 40', () => {
    assert.throws(() => encodeQr('x'.repeat(2400)), RangeError);
  });
});

describe('qrPath', () => {
  it('draws each run of dark modules in a row as one rectangle inside the quiet zone', () => {
    const matrix = encodeQr('https://issuer.example/h/lE2TnHADRzBhl33IcA2J-s16');

    const { size, d } = qrPath('https://issuer.example/h/lE2TnHADRzBhl33IcA2J-s16');

    assert.equal(size, matrix.size + 2 * QUIET_ZONE);
    assert.match(d, /^(M\d+ \d+h\d+v1h-\d+z)+$/);
    // The top-left finder's first row: seven dark modules from the quiet zone's edge.
    assert.ok(d.startsWith(`M${QUIET_ZONE} ${QUIET_ZONE}h7v1h-7z`));
  });
});
