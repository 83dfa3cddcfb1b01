/**
 * The networked store: PostgreSQL, for an issuer run as several processes on one database. It
 * keeps the guarantees of the SQLite store (the conformance suite runs against both) with
 * READ COMMITTED transactions, conditional writes and row locks (`sessions.ts`, decision 0009),
 * and adds what several processes must share beyond the `Store` interface: committed events as
 * they happen (`subscribeEvents`), rate-limit buckets (`takeRateToken`) and singletons
 * (`withTryAdvisoryLock`).
 */
import type { SessionEventRecord, Store } from '../types.js';
import { advisoryKey } from './advisory.js';
import { PgDatabase, type PgStoreOptions } from './database.js';
import { EventSubscription } from './listener.js';
import { PgSessions } from './sessions.js';

export type { PgStoreOptions, StoreLogger } from './database.js';

/** Opens the store: connects, and migrates the database (once, if several processes start). */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  return new PgStore(await PgDatabase.open(options));
}

/** A token-bucket rule: `burst` requests at once, refilled at `perMinute`. */
export interface RateTokenRule {
  perMinute: number;
  burst: number;
}

/**
 * One token bucket per key, taken in one atomic statement: a new key starts full and spends one;
 * an existing one is refilled for the time since its last use (never for time going backwards, as
 * another process's clock may lag), then spends one if it has a whole token. `$1` key, `$2` burst,
 * `$3` now, `$4` tokens per ms, `$5`/`$6` a new bucket's tokens and whether it allowed.
 */
const REFILLED =
  'LEAST($2::float8, b.tokens + GREATEST(0, $3::bigint - b.updated_at) * $4::float8)';
const TAKE_TOKEN = `
  INSERT INTO rate_buckets AS b (bucket_key, tokens, updated_at, allowed)
  VALUES ($1, $5, $3, $6)
  ON CONFLICT (bucket_key) DO UPDATE SET
    tokens = CASE WHEN ${REFILLED} >= 1 THEN ${REFILLED} - 1 ELSE ${REFILLED} END,
    updated_at = GREATEST(b.updated_at, $3::bigint),
    allowed = ${REFILLED} >= 1
  RETURNING tokens, allowed`;

/** Seconds until a bucket holding `tokens` has a whole one (at least 1), as `RateLimiter`. */
function secondsToWait(tokens: number, rule: RateTokenRule): number {
  const refillPerMs = rule.perMinute / 60_000;
  return Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000));
}

export class PgStore extends PgSessions implements Store {
  private readonly subscriptions = new Set<EventSubscription>();

  override async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.subscriptions.clear();
    await super.close();
  }

  // ── events from every process ──

  /**
   * Calls `onEvent` with every session event committed from now on, by any process, in commit
   * order (per session: `seq` order). Listens on a dedicated connection; when it is lost, it
   * reconnects (100 ms, doubling to 5 s) and calls `onReconnect` once listening again, since events
   * committed meanwhile were not heard: read them from `listEventsAfter`. Resolves once listening
   * (throws `StoreUnavailableError` if it cannot start) to a function that stops it.
   */
  async subscribeEvents(
    onEvent: (event: SessionEventRecord) => void,
    onReconnect: () => void | Promise<void>,
  ): Promise<() => Promise<void>> {
    const subscription = new EventSubscription(this.engine.options, onEvent, onReconnect);
    await subscription.start();
    this.subscriptions.add(subscription);
    return async () => {
      this.subscriptions.delete(subscription);
      await subscription.stop();
    };
  }

  // ── rate limits shared by every process ──

  /**
   * Takes one token of `key`'s bucket under `rule`: 0 when allowed, otherwise the seconds to wait
   * (`RateLimiter.take`, with the bucket in the database so that all processes spend one budget).
   */
  async takeRateToken(key: string, rule: RateTokenRule, now: number): Promise<number> {
    const full = rule.burst >= 1;
    const row = await this.engine.one(TAKE_TOKEN, [
      key,
      rule.burst,
      now,
      rule.perMinute / 60_000,
      full ? rule.burst - 1 : rule.burst,
      full,
    ]);
    if (!row) throw new Error('takeRateToken: the upsert returned no row');
    return row.allowed === true ? 0 : secondsToWait(Number(row.tokens), rule);
  }

  /** Whether `key` has a token under `rule`, without taking it (`RateLimiter.peek`). */
  async peekRateToken(key: string, rule: RateTokenRule, now: number): Promise<number> {
    const row = await this.engine.one(
      'SELECT tokens, updated_at FROM rate_buckets WHERE bucket_key = $1',
      [key],
    );
    const refillPerMs = rule.perMinute / 60_000;
    const tokens = row
      ? Math.min(
          rule.burst,
          Number(row.tokens) + Math.max(0, now - Number(row.updated_at)) * refillPerMs,
        )
      : rule.burst;
    return tokens >= 1 ? 0 : secondsToWait(tokens, rule);
  }

  /** Forgets buckets untouched since before `olderThan` (epoch ms); how many. */
  async sweepRateBuckets(olderThan: number): Promise<number> {
    return this.engine.run('DELETE FROM rate_buckets WHERE updated_at < $1', [olderThan]);
  }

  // ── singletons ──

  /**
   * Runs `fn` only if no other holder (any process) has the advisory lock `name`, holding it on a
   * connection of its own until `fn` settles; answers `fn`'s result, or undefined when the lock
   * was taken. If that connection is lost meanwhile, PostgreSQL releases the lock and another
   * process may start too: `fn` must be safe to overlap (conditional writes are).
   */
  async withTryAdvisoryLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    const key = advisoryKey(`lock:${name}`);
    return this.engine.withClient(async (client, discard) => {
      const { rows } = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS got',
        [key],
      );
      if (rows[0]?.got !== true) return undefined;
      try {
        return await fn();
      } finally {
        // Any doubt whether the lock was released: close the connection, which releases it.
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(discard);
      }
    });
  }
}
