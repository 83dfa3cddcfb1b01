/**
 * A QR code encoder cut to what the element shows: one byte-mode segment (the hand-off URL as
 * UTF-8), error correction level M, the smallest version that holds it, and the mask with the
 * lowest penalty (ISO/IEC 18004:2015 §7). It draws the same matrix as the `qrcode` package
 * (test/flow/qr.test.ts compares them) in a fraction of its size: the script-tag bundle has a
 * size budget (BENCHMARKS.md §1).
 */

/** Level M, versions 1–40: error correction codewords per block (ISO/IEC 18004 Table 9). */
const EC_PER_BLOCK = [
  10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
/** Level M, versions 1–40: error correction blocks (Table 9). */
const BLOCKS = [
  1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26,
  28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];

export interface QrMatrix {
  /** Modules per side (no quiet zone). */
  size: number;
  get(row: number, col: number): boolean;
}

/** Multiplication in GF(2⁸) modulo x⁸+x⁴+x³+x²+1 (§7.5.2). */
function gfMul(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) z = ((z << 1) ^ ((z >>> 7) * 0x11d) ^ (((y >>> i) & 1) * x)) & 255;
  return z;
}

/** The `degree` Reed–Solomon error correction codewords of `data` (§7.5.2). */
function reedSolomon(data: Uint8Array, degree: number): number[] {
  // The generator (x − α⁰)(x − α¹)…(x − α^(degree−1)) without its leading 1.
  const gen = Array<number>(degree).fill(0);
  gen[degree - 1] = 1;
  for (let i = 0, root = 1; i < degree; i++, root = gfMul(root, 2)) {
    for (let j = 0; j < degree; j++) gen[j] = gfMul(gen[j] ?? 0, root) ^ (gen[j + 1] ?? 0);
  }
  const rem = Array<number>(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ (rem.shift() ?? 0);
    rem.push(0);
    for (let j = 0; j < degree; j++) rem[j] = (rem[j] ?? 0) ^ gfMul(gen[j] ?? 0, factor);
  }
  return rem;
}

/** Data and error correction codewords of `version`, interleaved (§7.6). */
function codewords(bytes: Uint8Array, version: number, total: number): number[] {
  const ecPerBlock = EC_PER_BLOCK[version - 1] ?? 0;
  const blocks = BLOCKS[version - 1] ?? 1;
  const data = new Uint8Array(total - ecPerBlock * blocks);
  let length = 0;
  const put = (value: number, bits: number) => {
    for (let i = bits - 1; i >= 0; i--, length++) {
      data[length >>> 3] = (data[length >>> 3] ?? 0) | (((value >>> i) & 1) << (7 - (length & 7)));
    }
  };
  // Byte mode (0100), the count (8 bits below version 10), the bytes, a terminator (§7.4).
  put(4, 4);
  put(bytes.length, version < 10 ? 8 : 16);
  for (const byte of bytes) put(byte, 8);
  put(0, Math.min(4, data.length * 8 - length));
  length = (length + 7) & ~7;
  for (let pad = 0xec; length < data.length * 8; pad ^= 0xec ^ 0x11) put(pad, 8);
  // Short blocks first, then blocks one codeword longer (§7.5.2, Table 9).
  const short = Math.floor(total / blocks) - ecPerBlock;
  const dataBlocks: Uint8Array[] = [];
  const ecBlocks: number[][] = [];
  for (let b = 0, at = 0; b < blocks; b++) {
    const block = data.subarray(at, (at += short + (b < blocks - (total % blocks) ? 0 : 1)));
    dataBlocks.push(block);
    ecBlocks.push(reedSolomon(block, ecPerBlock));
  }
  const out: number[] = [];
  for (let i = 0; i <= short; i++)
    for (const block of dataBlocks) if (i < block.length) out.push(block[i] ?? 0);
  for (let i = 0; i < ecPerBlock; i++) for (const ec of ecBlocks) out.push(ec[i] ?? 0);
  return out;
}

/** Modules of a version's data and error correction codewords (Table 1). */
function rawModules(version: number): number {
  const align = Math.floor(version / 7) + 2;
  let modules = (16 * version + 128) * version + 64;
  if (version >= 2) modules -= (25 * align - 10) * align - 55;
  return version >= 7 ? modules - 36 : modules;
}

/** Centres of the alignment patterns on each axis (Annex E). */
function alignment(version: number, size: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = size === 145 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const positions = [6];
  for (let i = count - 1, at = size - 7; i >= 1; i--, at -= step) positions[i] = at;
  return positions;
}

/** Whether mask `mask` flips the module at (`i`, `j`) (§7.8.2, Table 10). */
function masked(mask: number, i: number, j: number): boolean {
  const rule = [
    (i + j) % 2,
    i % 2,
    j % 3,
    (i + j) % 3,
    (Math.floor(i / 2) + Math.floor(j / 3)) % 2,
    ((i * j) % 2) + ((i * j) % 3),
    (((i * j) % 2) + ((i * j) % 3)) % 2,
    (((i * j) % 3) + ((i + j) % 2)) % 2,
  ];
  return rule[mask] === 0;
}

/** A symbol being drawn: module colours, and which modules are function patterns. */
interface Grid {
  size: number;
  dark: Uint8Array;
  fixed: Uint8Array;
  /** Sets a function module. */
  set(row: number, col: number, on: boolean | number): void;
}

function grid(size: number): Grid {
  const dark = new Uint8Array(size * size);
  const fixed = new Uint8Array(size * size);
  return {
    size,
    dark,
    fixed,
    set(row, col, on) {
      dark[row * size + col] = on ? 1 : 0;
      fixed[row * size + col] = 1;
    },
  };
}

/** The smallest version whose level-M data capacity holds the bytes (Table 7), and its codewords. */
function versionFor(bytes: Uint8Array): { version: number; total: number } {
  for (let version = 1; version <= 40; version++) {
    const total = rawModules(version) >>> 3;
    const data = total - (EC_PER_BLOCK[version - 1] ?? 0) * (BLOCKS[version - 1] ?? 1);
    if (4 + (version < 10 ? 8 : 16) + 8 * bytes.length <= 8 * data) return { version, total };
  }
  throw new RangeError('Too long for a QR code');
}

/** Timing, finders with their separators, alignment and version information (§6.3, §7.10). */
function drawFunctionPatterns({ size, set }: Grid, version: number): void {
  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [row, col] of [
    [3, 3],
    [3, size - 4],
    [size - 4, 3],
  ] as const) {
    for (let r = -4; r <= 4; r++) {
      for (let c = -4; c <= 4; c++) {
        const ring = Math.max(Math.abs(r), Math.abs(c));
        const y = row + r;
        const x = col + c;
        if (y >= 0 && y < size && x >= 0 && x < size) set(y, x, ring !== 2 && ring !== 4);
      }
    }
  }
  const centres = alignment(version, size);
  const last = centres.length - 1;
  for (const [i, row] of centres.entries()) {
    for (const [j, col] of centres.entries()) {
      if ((i === 0 && (j === 0 || j === last)) || (i === last && j === 0)) continue;
      for (let r = -2; r <= 2; r++) {
        for (let c = -2; c <= 2; c++)
          set(row + r, col + c, Math.max(Math.abs(r), Math.abs(c)) !== 1);
      }
    }
  }
  if (version < 7) return;
  // BCH(18, 6) with generator 0x1F25.
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  const bits = (version << 12) | rem;
  for (let i = 0; i < 18; i++) {
    const on = (bits >>> i) & 1;
    set(Math.floor(i / 3), size - 11 + (i % 3), on);
    set(size - 11 + (i % 3), Math.floor(i / 3), on);
  }
}

/** Format information: level M (00) and the mask, BCH(15, 5), XOR 0x5412 (§7.9). */
function drawFormat({ size, set }: Grid, mask: number): void {
  let rem = mask;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((mask << 10) | rem) ^ 0x5412;
  for (let i = 0; i < 15; i++) {
    const on = (bits >>> i) & 1;
    set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, on);
    set(8, i < 8 ? size - 1 - i : i < 9 ? 7 : 14 - i, on);
  }
  set(size - 8, 8, 1);
}

/** The codewords, two columns at a time, up then down, right to left (§7.7.3). */
function drawData({ size, dark, fixed }: Grid, words: number[]): void {
  let bit = 0;
  for (let right = size - 1; right > 0; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < size; vert++) {
      const row = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
      for (let col = right; col > right - 2; col--) {
        if (fixed[row * size + col]) continue;
        dark[row * size + col] = ((words[bit >>> 3] ?? 0) >>> (7 - (bit & 7))) & 1;
        bit++;
      }
    }
  }
}

function applyMask({ size, dark, fixed }: Grid, mask: number): void {
  for (let i = 0; i < size * size; i++) {
    if (!fixed[i] && masked(mask, Math.floor(i / size), i % size)) dark[i] = (dark[i] ?? 0) ^ 1;
  }
}

/** The QR code of `text` at error correction level M. */
export function encodeQr(text: string): QrMatrix {
  const bytes = new TextEncoder().encode(text);
  const { version, total } = versionFor(bytes);
  const symbol = grid(version * 4 + 17);
  drawFunctionPatterns(symbol, version);
  drawFormat(symbol, 0);
  drawData(symbol, codewords(bytes, version, total));
  // The mask with the lowest penalty, each scored with its own format information (§7.8.3).
  let best = 0;
  let lowest = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    drawFormat(symbol, mask);
    applyMask(symbol, mask);
    const score = penalty(symbol.dark, symbol.size);
    applyMask(symbol, mask);
    if (score < lowest) {
      lowest = score;
      best = mask;
    }
  }
  applyMask(symbol, best);
  drawFormat(symbol, best);
  return { size: symbol.size, get: (row, col) => symbol.dark[row * symbol.size + col] === 1 };
}

/** The penalty of a masked symbol (§7.8.3: N1 runs, N2 blocks, N3 finder-like, N4 balance). */
function penalty(dark: Uint8Array, size: number): number {
  let score = 0;
  let darkCount = 0;
  for (let a = 0; a < size; a++) {
    for (const step of [1, size]) {
      // Row a (step 1) and column a (step size).
      const start = step === 1 ? a * size : a;
      let run = 0;
      let previous = -1;
      let window = 0;
      for (let k = 0; k < size; k++) {
        const module = dark[start + k * step] ?? 0;
        if (module === previous) run++;
        else {
          if (run >= 5) score += run - 2;
          previous = module;
          run = 1;
        }
        window = ((window << 1) & 0x7ff) | module;
        if (k >= 10 && (window === 0x5d0 || window === 0x05d)) score += 40;
      }
      if (run >= 5) score += run - 2;
    }
    for (let b = 0; b < size; b++) {
      darkCount += dark[a * size + b] ?? 0;
      if (a < size - 1 && b < size - 1) {
        const i = a * size + b;
        const sum =
          (dark[i] ?? 0) + (dark[i + 1] ?? 0) + (dark[i + size] ?? 0) + (dark[i + size + 1] ?? 0);
        if (sum === 0 || sum === 4) score += 3;
      }
    }
  }
  return score + Math.abs(Math.ceil((darkCount * 100) / (size * size) / 5) - 10) * 10;
}
