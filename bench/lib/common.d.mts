export const BENCH_DIR: string;
export const ROOT: string;
export const RESULTS_DIR: string;
export function writeResult(name: string, data: unknown): string;
export function percentile(values: number[], p: number): number | null;
export interface Summary {
  n: number;
  min?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
  mean?: number;
}
export function summarize(values: number[], digits?: number): Summary;
export function sizes(content: Buffer | string): { raw: number; gzip: number; brotli: number };
export function kb(bytes: number): string;
export function ms(value: number | null | undefined): string;
export function pass(ok: boolean): string;
export function table(rows: (string | number)[][]): string;
export function sleep(ms: number): Promise<void>;
