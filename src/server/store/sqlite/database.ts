/**
 * The SQLite engine under the store: one file (better-sqlite3), WAL, `synchronous = FULL` so that
 * every acknowledged change survives a crash or power loss, versioned migrations, cached prepared
 * statements and a group commit. better-sqlite3 is synchronous, so each write runs to completion
 * without interleaving with other requests; the conditions inside each write make that safe across
 * processes too (SQLite's write lock).
 */
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Conflict, Refusal, SessionRecord } from '../types.js';
import { MIGRATION_FUNCTIONS, MIGRATIONS } from './migrations.js';
import { num, type Row } from './rows.js';

/** Writes that share one COMMIT at most (bench/store-commit: 16 per commit cost ~90 µs each). */
const GROUP_COMMIT_MAX = 32;

/**
 * Thrown inside a write to refuse it: the write's savepoint is rolled back, so a refused write
 * leaves nothing behind, and the caller receives the refusal as the write's result.
 */
export class Refused {
  readonly conflict: Conflict;
  readonly sessionId: string | null;

  constructor(conflict: Conflict, sessionId: string | null) {
    this.conflict = conflict;
    this.sessionId = sessionId;
  }
}

interface QueuedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Creates the database file readable and writable by its owner only (0600) when it does not
 * exist yet, and refuses an existing file that others may read: it holds signing keys, payers'
 * public keys and the audit log.
 */
function createPrivately(filename: string): void {
  if (!existsSync(filename)) closeSync(openSync(filename, 'a', 0o600));
  refuseIfShared(filename);
}

function refuseIfShared(file: string): void {
  if (!existsSync(file)) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${file} is readable or writable by other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `run chmod 600 ${file}* and start again`,
    );
  }
}

export class SqliteDatabase {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly queue: QueuedWrite[] = [];
  /** Reads the session a refusal reports, after its savepoint was rolled back. */
  private readonly readSession: (id: string) => SessionRecord | null;

  constructor(filename: string, readSession: (id: string) => SessionRecord | null) {
    const onDisk = filename !== ':memory:' && filename !== '';
    if (onDisk) createPrivately(filename);
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Each write of a group commit runs in a savepoint, whose journal (the pages as they were
    // before it) SQLite keeps in a temporary file by default: two small writes per page changed,
    // more system calls than the commit itself. In memory it costs only what it holds.
    this.db.pragma('temp_store = MEMORY');
    this.readSession = readSession;
    this.migrate();
    if (onDisk) {
      // The WAL and shared-memory files exist now; SQLite gives them the database file's mode.
      for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) refuseIfShared(file);
    }
  }

  /**
   * Applies, in list order, every migration the file has not recorded (versions may have gaps), each
   * in its own transaction.
   */
  private migrate(): void {
    for (const [name, fn] of Object.entries(MIGRATION_FUNCTIONS)) {
      this.db.function(name, { deterministic: true }, (value: unknown) => fn(String(value)));
    }
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((row) =>
        num(row.version),
      ),
    );
    const ordered = [...MIGRATIONS].sort((a, b) => a.version - b.version);
    for (const migration of ordered) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
      })();
    }
  }

  /** The schema version of the open file. */
  schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row;
    return num(row.v);
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  one(text: string, ...params: unknown[]): Row | undefined {
    return this.sql(text).get(...params) as Row | undefined;
  }

  all(text: string, ...params: unknown[]): Row[] {
    return this.sql(text).all(...params) as Row[];
  }

  run(text: string, ...params: unknown[]): Database.RunResult {
    return this.sql(text).run(...params);
  }

  close(): void {
    if (this.queue.length > 0) this.flush();
    this.db.close();
  }

  /**
   * Group commit: runs `work` in the next batch, one transaction for every write queued meanwhile
   * (each in its own savepoint, so one failing or refused write does not undo the others). Resolves
   * only after the batch's COMMIT, so an acknowledged change is durable; a crash before it loses
   * only unacknowledged writes. Serial as ever: each write's conditions are checked inside the
   * transaction, after the writes queued before it. A write that may throw `Refused` must declare
   * a result type that includes `Refusal`.
   */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // Wait up to 1 ms for company (one fsync for the lot), or commit at once at 32 writes.
      if (this.queue.length === 1) this.flushTimer = setTimeout(() => this.flush(), 1);
      else if (this.queue.length === GROUP_COMMIT_MAX) {
        clearTimeout(this.flushTimer);
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const op of batch) outcomes.push(this.runOne(op.work));
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this batch was written.
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) op.resolve(outcome.value);
      else op.reject(outcome?.error);
    });
  }

  /** One write in its own savepoint; a `Refused` rolls it back and becomes its result. */
  private runOne(
    work: () => unknown,
  ): { ok: true; value: unknown } | { ok: false; error: unknown } {
    try {
      return { ok: true, value: this.db.transaction(work)() };
    } catch (error) {
      if (!(error instanceof Refused)) return { ok: false, error };
      const session = error.sessionId === null ? null : this.readSession(error.sessionId);
      const refusal: Refusal = { ok: false, conflict: error.conflict, session };
      return { ok: true, value: refusal };
    }
  }
}
