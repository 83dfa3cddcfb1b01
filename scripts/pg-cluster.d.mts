export function findPgBin(): string | null;
export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  /** The temp folder holding `data/`, the socket and `log`. */
  dir: string;
  /** The folder of pg_ctl and initdb. */
  bin: string;
  /** Stops the server (immediate mode) and deletes the folder. */
  stop(): void;
}
export function startPgCluster(): Promise<PgCluster>;
