/**
 * The PostgreSQL engine under the store: a `pg.Pool`, versioned migrations applied at start under
 * an advisory lock, and `write`, which runs one conditional write as one READ COMMITTED
 * transaction on one pooled connection. Conditions are checked inside the transaction by
 * conditional `UPDATE … WHERE … RETURNING`, unique indexes (`ON CONFLICT`) and row locks taken
 * before a read that decides a write (docs/decisions/0009-postgresql-store.md says which where).
 */
import pg from 'pg';
import type { CustomTypesConfig, Pool, PoolClient } from 'pg';
import type { Conflict, Refusal, SessionRecord } from '../types.js';
import { migrate } from './migrations.js';
import { toSession, type Row } from './rows.js';
import { isUnavailable, storeError } from './unavailable.js';

/** Where the store reports faults it survives (an idle connection that failed). */
export interface StoreLogger {
  warn(detail: Record<string, unknown>, message: string): void;
}

export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq URI; `?sslmode=…` as pg reads it). */
  connectionString: string;
  /** Connections in the pool (at least 2: an advisory-lock holder keeps one). Default 10. */
  max?: number;
  /** How long a call waits to connect or for a free connection before it is unavailable. */
  connectionTimeoutMillis?: number;
  /** PostgreSQL's `statement_timeout` on the pool's connections, in ms (default 10 000). */
  statementTimeoutMs?: number;
  /** PostgreSQL's `lock_timeout` on the pool's connections, in ms (default 5 000). */
  lockTimeoutMs?: number;
  logger?: StoreLogger;
}

const INT8_OID = 20;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/**
 * Every statement of the issuer takes milliseconds, and a write holds its row locks for a few:
 * a statement still running after 10 s, or a lock still awaited after 5 s, means the database is
 * overloaded or something holds a lock it should not (a stuck session, a manual transaction).
 * Failing then (`StoreUnavailableError`, a 503 with Retry-After) frees the request, its
 * connection and the locks it holds, instead of queueing every payment behind it. A transaction
 * left idle for 30 s (a process frozen mid-write) is ended by the server, releasing its locks.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * Type parsers of this store's connections only (`types`, not pg's global registry): BIGINT
 * columns (epoch ms, amounts, counters, audit ids) read as JS numbers. Every value the store writes
 * is a safe integer, so none loses precision.
 */
export const TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (text: string) => Number(text)
      : pg.types.getTypeParser(oid, format as 'text')) as CustomTypesConfig['getTypeParser'],
};

/** A write that meets a deadlock or serialization failure is retried whole, this many times. */
const MAX_ATTEMPTS = 3;
const RETRYABLE = new Set(['40P01', '40001']);
/** Runs `attempt` again after a deadlock or serialization failure, up to `MAX_ATTEMPTS` in all. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (tries < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
      throw error;
    }
  }
}

/** How a server-side function's refusal begins (`RAISE EXCEPTION 'dualpay:over_limit'`). */
const REFUSAL = 'dualpay:';

/**
 * Thrown inside a write to refuse it: the transaction is rolled back, so a refused write leaves
 * nothing behind, and the caller receives the refusal (with the session as it is now).
 */
export class Refused {
  readonly conflict: Conflict;
  readonly sessionId: string | null;

  constructor(conflict: Conflict, sessionId: string | null) {
    this.conflict = conflict;
    this.sessionId = sessionId;
  }
}

/** Thrown inside a write to roll it back and answer `value` (a refusal that is not a `Conflict`). */
export class Rollback<T> {
  readonly value: T;

  constructor(value: T) {
    this.value = value;
  }
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite's can), so no stored value holds it: a read that
 * looks a value holding it up (an id straight from a URL, `%00`) finds nothing, as in the SQLite
 * store, rather than failing with 22021. Writes are sent as they are: storing one is a fault.
 */
function findsNothing(text: string, params: unknown[]): boolean {
  return (
    /^\s*SELECT\b/i.test(text) &&
    params.some((param) => typeof param === 'string' && param.includes('\u0000'))
  );
}

const NOTHING = { rows: [] as Row[], rowCount: 0 };

/** At most this many statement texts get a name (the rest run unnamed, parsed each time). */
const NAMED_STATEMENTS_MAX = 500;
/** A prepared statement whose result columns changed under it (a migration added a column). */
const STALE_PLAN = '0A000';

/**
 * Names for the statements sent on the pool: pg prepares a named statement once per connection,
 * and PostgreSQL then skips parsing (and, after a few runs, planning) it. A confirmation sends
 * about eight, most of them the same texts every time.
 */
class StatementNames {
  private readonly names = new Map<string, string>();

  /** The query config for `text`: named while there is room, unnamed beyond. */
  config(text: string, values: unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (!name && this.names.size < NAMED_STATEMENTS_MAX) {
      name = `dualpay_${this.names.size}`;
      this.names.set(text, name);
    }
    return name ? { name, text, values } : { text, values };
  }
}

/** What reads and writes run on: the pool (reads, one statement each) or a transaction. */
export interface Queryable {
  one(text: string, params?: unknown[]): Promise<Row | undefined>;
  all(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a statement; the number of rows it affected. */
  run(text: string, params?: unknown[]): Promise<number>;
}

/** The statements of one transaction, on its connection. */
export class Tx implements Queryable {
  private readonly client: PoolClient;

  constructor(client: PoolClient) {
    this.client = client;
  }

  async one(text: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.query(text, params)).rows[0];
  }

  async all(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.query(text, params)).rows;
  }

  async run(text: string, params: unknown[] = []): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }

  private async query(text: string, params: unknown[]) {
    return findsNothing(text, params) ? NOTHING : this.client.query<Row>(text, params);
  }
}

export class PgDatabase implements Queryable {
  readonly pool: Pool;
  readonly options: Readonly<PgStoreOptions>;
  private readonly statements = new StatementNames();

  private constructor(pool: Pool, options: PgStoreOptions) {
    this.pool = pool;
    this.options = options;
  }

  /** Creates the pool and migrates the database (once, whoever else starts at the same time). */
  static async open(options: PgStoreOptions): Promise<PgDatabase> {
    const max = options.max ?? 10;
    if (!Number.isInteger(max) || max < 2) throw new RangeError('max must be an integer ≥ 2');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'dualpay',
      types: TYPES,
      // Sent as startup parameters: each connection's defaults, which RESET returns to.
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      lock_timeout: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    });
    // An idle connection that the server closes (restart, pg_terminate_backend) emits `error` on
    // the pool; unhandled, that would end the process. The pool drops it and connects afresh.
    pool.on('error', (error) =>
      options.logger?.warn(
        { err: error.message },
        'PostgreSQL: an idle connection failed; the pool replaces it',
      ),
    );
    const database = new PgDatabase(pool, options);
    try {
      await database.withClient(migrate);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return database;
  }

  async one(text: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.query(text, params)).rows[0];
  }

  async all(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.query(text, params)).rows;
  }

  async run(text: string, params: unknown[] = []): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }

  private async query(text: string, params: unknown[]) {
    if (findsNothing(text, params)) return NOTHING;
    try {
      return await this.prepared(text, params);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * One statement on the pool, named (prepared once per connection). A statement prepared before
   * another process's migration changed its result columns fails with 0A000 on that connection;
   * pg's pool closes a connection whose query failed, and the statement runs again unnamed.
   */
  private async prepared(text: string, params: unknown[]) {
    try {
      return await this.pool.query<Row>(this.statements.config(text, params));
    } catch (error) {
      if ((error as { code?: unknown }).code !== STALE_PLAN) throw error;
      return this.pool.query<Row>(text, params);
    }
  }

  /** The schema version of the database. */
  async schemaVersion(): Promise<number> {
    return Number((await this.one('SELECT MAX(version) AS v FROM schema_migrations'))?.v);
  }

  /**
   * Runs `fn` on one connection of the pool held for it alone (session state such as an advisory
   * lock stays with it). A connection that failed, or that `fn` discards, is closed rather than
   * returned to the pool.
   */
  async withClient<T>(fn: (client: PoolClient, discard: () => void) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    let broken = false;
    // pg's pool listens for errors of idle connections only: one that fails while checked out
    // (terminated, server stopped) emits `error`, which unheard would end the process. Its queries
    // fail too, so noting it here is enough.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      return await fn(client, onError);
    } catch (error) {
      broken ||= isUnavailable(error);
      throw storeError(error);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /**
   * Runs `work` as one READ COMMITTED transaction; commits what it did, or rolls all of it back
   * when it throws (`Refused` and `Rollback` become its answer). A deadlock or serialization
   * failure rolls back and runs the whole write again. A write that may throw `Refused` must
   * declare a result type that includes `Refusal`.
   */
  async write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return retried(() =>
      this.withClient((client, discard) => this.transaction(client, discard, work)),
    );
  }

  private async transaction<T>(
    client: PoolClient,
    discard: () => void,
    work: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    // READ COMMITTED (PostgreSQL's default, stated so no server setting changes it): each
    // statement sees what committed before it started, and an UPDATE that waited for a row
    // re-checks its WHERE on the row's newest version, so conditional writes cannot both win.
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    let value: T;
    try {
      value = await work(new Tx(client));
    } catch (error) {
      await client.query('ROLLBACK').catch((lost: unknown) => {
        // The connection is gone, and the transaction with it: nothing was written.
        discard();
        throw error instanceof Refused || error instanceof Rollback ? lost : error;
      });
      if (error instanceof Refused) return (await this.refusal(new Tx(client), error)) as T;
      if (error instanceof Rollback) return error.value as T;
      throw error;
    }
    // A connection lost during COMMIT leaves the outcome unknown (StoreUnavailableError): the
    // caller retries, and the write's own conditions refuse a repeat of what did commit.
    await client.query('COMMIT');
    return value;
  }

  /**
   * Runs one statement that writes alone: it commits whole or not at all (no BEGIN, no COMMIT:
   * one round trip). A deadlock or serialization failure runs it again, as `write` does. A
   * server-side function refuses by raising `dualpay:<conflict>` (P0001): the answer is then
   * that refusal, with the session (`sessionId`) as it is now.
   */
  async writeOne(
    text: string,
    params: unknown[],
    sessionId: string,
  ): Promise<{ ok: true; row: Row } | Refusal> {
    let result;
    try {
      result = await retried(() => this.prepared(text, params));
    } catch (error) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (code === 'P0001' && typeof message === 'string' && message.startsWith(REFUSAL)) {
        const conflict = message.slice(REFUSAL.length) as Conflict;
        return this.refusal(this, new Refused(conflict, sessionId));
      }
      throw storeError(error);
    }
    const row = result.rows[0];
    if (!row) throw new Error(`${text.slice(0, 40)}… returned no row`);
    return { ok: true, row };
  }

  /** The answer to a refused write, read after its rollback. */
  private async refusal(reader: Queryable, refused: Refused): Promise<Refusal> {
    let session: SessionRecord | null = null;
    if (refused.sessionId !== null) {
      const row = await reader.one('SELECT * FROM sessions WHERE id = $1', [refused.sessionId]);
      session = row ? toSession(row) : null;
    }
    return { ok: false, conflict: refused.conflict, session };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
