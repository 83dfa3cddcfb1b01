/**
 * The bottom of the PostgreSQL store's class chain: the engine, reads on the pool, and the rows
 * every write may add inside its transaction (audit rows, session events with their NOTIFY).
 */
import type { Pool } from 'pg';
import type { ErrorCode, SessionStatus } from '../../../protocol/index.js';
import type { AuditEntry, SessionRecord, WebhookEventInput } from '../types.js';
import type { PgDatabase, Queryable } from './database.js';
import * as rows from './rows.js';

/** The channel every committed session event is announced on (`PgStore.subscribeEvents`). */
export const EVENTS_CHANNEL = 'dualpay_events';
/** The channel a merchant's id is announced on when it or its keys change (cached elsewhere). */
export const MERCHANTS_CHANNEL = 'dualpay_merchants';

/** An audit row's column values, in `audit_log`'s order (id aside). */
export function auditValues(entry: AuditEntry): unknown[] {
  return [
    entry.at,
    entry.actor,
    entry.action,
    entry.sessionId ?? null,
    entry.accountId ?? null,
    entry.cardId ?? null,
    entry.merchantId ?? null,
    entry.ip ?? null,
    entry.userAgent?.slice(0, 256) ?? null,
    JSON.stringify(entry.detail ?? {}),
  ];
}

export class PgBase {
  protected readonly engine: PgDatabase;

  constructor(engine: PgDatabase) {
    this.engine = engine;
  }

  /** The pg pool, for the store's own tests and tools. */
  get pool(): Pool {
    return this.engine.pool;
  }

  /** The schema version of the database. */
  schemaVersion(): Promise<number> {
    return this.engine.schemaVersion();
  }

  async close(): Promise<void> {
    await this.engine.close();
  }

  protected one(text: string, params: unknown[] = []) {
    return this.engine.one(text, params);
  }

  protected all(text: string, params: unknown[] = []) {
    return this.engine.all(text, params);
  }

  protected async readSession(on: Queryable, id: string): Promise<SessionRecord | null> {
    const row = await on.one('SELECT * FROM sessions WHERE id = $1', [id]);
    return row ? rows.toSession(row) : null;
  }

  /** Writes one audit row (inside the caller's transaction). */
  protected async audit(tx: Queryable, entry: AuditEntry): Promise<void> {
    await tx.run(
      `INSERT INTO audit_log (at, actor, action, session_id, account_id, card_id, merchant_id, ip,
         user_agent, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      auditValues(entry),
    );
  }

  /**
   * Announces that merchant `id` changed, in the caller's transaction: delivered at COMMIT, so
   * every process forgets its cached copy as the change becomes visible, and never for a change
   * rolled back.
   */
  protected async notifyMerchantChanged(tx: Queryable, id: string): Promise<void> {
    await tx.run(`SELECT pg_notify('${MERCHANTS_CHANNEL}', $1)`, [id]);
  }

  /**
   * Records event `seq` of a session (the caller has already set `event_seq` to it) and announces
   * it on `EVENTS_CHANNEL`, in one statement of the caller's transaction: PostgreSQL delivers the
   * notification at COMMIT and drops it on ROLLBACK, so listeners hear exactly what was written,
   * in commit order (which is `seq` order per session: every event write holds the session row).
   */
  protected async insertEvent(
    tx: Queryable,
    sessionId: string,
    seq: number,
    status: SessionStatus,
    errorCode: ErrorCode | null,
    now: number,
  ): Promise<void> {
    await tx.run(
      `WITH event AS (
         INSERT INTO session_events (session_id, seq, status, error_code, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING *
       )
       SELECT pg_notify('${EVENTS_CHANNEL}', json_build_object('sessionId', session_id,
         'seq', seq, 'status', status, 'errorCode', error_code, 'createdAt', created_at)::text)
       FROM event`,
      [sessionId, seq, status, errorCode, now],
    );
  }

  /**
   * Writes a webhook event into the outbox (inside the caller's transaction), due at once, only if
   * its merchant has a webhook URL now: a merchant without one gets no events.
   */
  protected async insertWebhookEvent(
    tx: Queryable,
    event: WebhookEventInput | undefined,
  ): Promise<void> {
    if (!event) return;
    await tx.run(
      `INSERT INTO webhook_events (id, merchant_id, type, payload, created_at, status, attempts,
         next_attempt_at)
       SELECT $1, id, $2, $3, $4, 'pending', 0, $4 FROM merchants
       WHERE id = $5 AND webhook_url IS NOT NULL`,
      [event.id, event.type, event.payload, event.createdAt, event.merchantId],
    );
  }
}
