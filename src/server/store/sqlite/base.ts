/** The bottom of the SQLite store's class chain: the engine, statement helpers, audit rows. */
import type Database from 'better-sqlite3';
import type { AuditEntry, SessionRecord, WebhookEventInput } from '../types.js';
import { SqliteDatabase } from './database.js';
import * as rows from './rows.js';

export class SqliteBase {
  protected readonly engine: SqliteDatabase;

  constructor(filename: string) {
    this.engine = new SqliteDatabase(filename, (id) => this.getSessionSync(id));
  }

  protected getSessionSync(id: string): SessionRecord | null {
    const row = this.one('SELECT * FROM sessions WHERE id = ?', id);
    return row ? rows.toSession(row) : null;
  }

  /** The better-sqlite3 handle, for the store's own tests and tools. */
  get db(): Database.Database {
    return this.engine.db;
  }

  /** The schema version of the open file. */
  schemaVersion(): number {
    return this.engine.schemaVersion();
  }

  async close(): Promise<void> {
    this.engine.close();
  }

  protected one(text: string, ...params: unknown[]) {
    return this.engine.one(text, ...params);
  }

  protected all(text: string, ...params: unknown[]) {
    return this.engine.all(text, ...params);
  }

  protected run(text: string, ...params: unknown[]) {
    return this.engine.run(text, ...params);
  }

  /** Writes one audit row (inside the caller's write). */
  protected audit(entry: AuditEntry): void {
    this.run(
      `INSERT INTO audit_log (at, actor, action, session_id, account_id, card_id, merchant_id, ip,
         user_agent, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    );
  }

  /**
   * Writes a webhook event into the outbox (inside the caller's write), due at once, only if its
   * merchant has a webhook URL now: a merchant without one gets no events.
   */
  protected insertWebhookEvent(event: WebhookEventInput | undefined): void {
    if (!event) return;
    this.run(
      `INSERT INTO webhook_events (id, merchant_id, type, payload, created_at, status, attempts,
         next_attempt_at)
       SELECT ?, id, ?, ?, ?, 'pending', 0, ? FROM merchants
       WHERE id = ? AND webhook_url IS NOT NULL`,
      event.id,
      event.type,
      event.payload,
      event.createdAt,
      event.createdAt,
      event.merchantId,
    );
  }
}
