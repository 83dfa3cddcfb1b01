import type { ChildProcess } from 'node:child_process';

export interface BenchIssuerOptions {
  /** SQLite file; or `databaseUrl`. */
  db?: string;
  /** PostgreSQL: several bench issuers may share one database (give them one `publicUrl`). */
  databaseUrl?: string;
  databasePoolSize?: number;
  publicUrl?: string;
  shopOrigins?: string[];
  sweepIntervalMs?: number;
  pollIntervalSec?: number;
  port?: number;
  experiment?: 'synchronous-normal';
}

export interface ProcStatus {
  rss: number;
  hwm: number;
  openFilesSoft: number | null;
  openFilesHard: number | null;
}

export interface MemoryReply {
  type: 'memory';
  memory: NodeJS.MemoryUsage;
  streams: number;
  hubSessions: number;
}

export interface BenchIssuer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  output(): string;
  memory(): Promise<MemoryReply>;
  /** process.cpuUsage() of the issuer. */
  cpu(): Promise<NodeJS.CpuUsage>;
  profileStart(): Promise<unknown>;
  profileStop(file: string): Promise<unknown>;
  proc(): ProcStatus;
  stop(): Promise<number | string | null>;
}

export function withUlimit(
  limit: number | 'hard' | undefined,
  command: string,
  args: string[],
): [string, string[]];

export function spawnIssuer(
  options: BenchIssuerOptions,
  run?: { cpuProfDir?: string; nodeArgs?: string[]; ulimit?: number | 'hard' },
): Promise<BenchIssuer>;
