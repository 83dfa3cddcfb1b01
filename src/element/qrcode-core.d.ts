// Types for the core of `qrcode` (CommonJS), used without its renderers to stay small.
declare module 'qrcode/lib/core/qrcode.js' {
  interface BitMatrix {
    size: number;
    get(row: number, col: number): number | boolean;
  }
  const core: {
    create(
      data: string | { data: string; mode: 'byte' }[],
      options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
    ): { modules: BitMatrix };
  };
  export default core;
}

declare module 'qrcode/lib/core/byte-data.js' {
  interface ByteData {
    readonly data: Uint8Array;
  }
  const ByteData: new (data: string) => ByteData;
  export default ByteData;
}
