/**
 * The merchant-facing part of the SQLite store: webhook secrets, the webhook outbox (claimed with
 * a lease, attempts recorded) and refunds. `store.ts` adds the session lifecycle on top; its
 * writes put their webhook events in the outbox with `insertWebhookEvent` (`base.ts`).
 */
import type {
  AuditEntry,
  ClaimWebhookEventsInput,
  CreateRefundResult,
  RefundInput,
  RefundRecord,
  WebhookAttemptInput,
  WebhookAttemptRecord,
  WebhookEventRecord,
  WebhookSecretRecord,
} from '../types.js';
import { SqlitePush } from './push.js';
import * as rows from './rows.js';

export class SqliteOutbox extends SqlitePush {
  // ── webhook secrets ──

  async rollWebhookSecret(
    secret: WebhookSecretRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(() => {
      if (!this.one('SELECT 1 FROM merchants WHERE id = ?', secret.merchantId)) return false;
      this.run(
        `UPDATE webhook_secrets SET expires_at = ?
         WHERE merchant_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
        othersExpireAt,
        secret.merchantId,
        othersExpireAt,
      );
      this.run(
        'INSERT INTO webhook_secrets (id, merchant_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        secret.id,
        secret.merchantId,
        secret.secret,
        secret.createdAt,
        secret.expiresAt,
      );
      this.audit(audit);
      return true;
    });
  }

  async listWebhookSecrets(merchantId: string): Promise<WebhookSecretRecord[]> {
    return this.all(
      'SELECT * FROM webhook_secrets WHERE merchant_id = ? ORDER BY created_at DESC, id DESC',
      merchantId,
    ).map(rows.toWebhookSecret);
  }

  async setWebhookSecretValue(id: string, secret: string): Promise<void> {
    await this.engine.write(() =>
      this.run('UPDATE webhook_secrets SET secret = ? WHERE id = ?', secret, id),
    );
  }

  // ── the outbox ──

  async claimWebhookEvents(input: ClaimWebhookEventsInput): Promise<WebhookEventRecord[]> {
    const { now } = input;
    // A read first: an idle issuer checks every second, and a read costs no transaction.
    const due = this.one(
      `SELECT 1 FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= ?
         AND (locked_until IS NULL OR locked_until <= ?) LIMIT 1`,
      now,
      now,
    );
    if (!due) return [];
    // One statement under SQLite's write lock: two processes never claim the same event.
    return this.engine.write(() =>
      this.all(
        `UPDATE webhook_events SET locked_until = ?, lock_token = ?
         WHERE id IN (
           SELECT id FROM webhook_events
           WHERE status = 'pending' AND next_attempt_at <= ?
             AND (locked_until IS NULL OR locked_until <= ?)
           ORDER BY next_attempt_at, id LIMIT ?)
         RETURNING *`,
        input.lockedUntil,
        input.lockToken,
        now,
        now,
        input.limit,
      )
        .map(rows.toWebhookEvent)
        .sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0)),
    );
  }

  async recordWebhookAttempt(input: WebhookAttemptInput): Promise<boolean> {
    const { outcome } = input;
    return this.engine.write(() => {
      const counted = this.one(
        'UPDATE webhook_events SET attempts = attempts + 1 WHERE id = ? RETURNING attempts',
        input.eventId,
      );
      if (!counted) return false;
      const nextAttemptAt = outcome.status === 'pending' ? outcome.nextAttemptAt : null;
      const applied = this.run(
        `UPDATE webhook_events SET status = ?, next_attempt_at = ?, delivered_at = ?,
           locked_until = NULL, lock_token = NULL
         WHERE id = ? AND lock_token = ?`,
        outcome.status,
        nextAttemptAt,
        outcome.status === 'delivered' ? input.at : null,
        input.eventId,
        input.lockToken,
      );
      this.run(
        `INSERT INTO webhook_attempts (event_id, attempt, at, url, status_code, error, duration_ms,
           next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        input.eventId,
        rows.num(counted.attempts),
        input.at,
        input.url,
        input.statusCode,
        input.error?.slice(0, 500) ?? null,
        Math.max(0, Math.round(input.durationMs)),
        applied.changes === 1 ? nextAttemptAt : null,
      );
      return applied.changes === 1;
    });
  }

  async getWebhookEvent(id: string): Promise<WebhookEventRecord | null> {
    const row = this.one('SELECT * FROM webhook_events WHERE id = ?', id);
    return row ? rows.toWebhookEvent(row) : null;
  }

  async listWebhookEvents(query: {
    merchantId: string;
    beforeId?: string;
    limit: number;
  }): Promise<WebhookEventRecord[]> {
    return this.all(
      `SELECT * FROM webhook_events WHERE merchant_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      query.merchantId,
      // Every id sorts below U+FFFF.
      query.beforeId ?? '\uffff',
      query.limit,
    ).map(rows.toWebhookEvent);
  }

  async listWebhookAttempts(eventIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
    if (eventIds.length === 0) return [];
    // json_each keeps one cached statement for any number of ids.
    return this.all(
      `SELECT * FROM webhook_attempts
       WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY event_id, attempt`,
      JSON.stringify(eventIds),
    ).map(rows.toWebhookAttempt);
  }

  async redeliverWebhookEvent(
    id: string,
    now: number,
    audit: AuditEntry,
  ): Promise<WebhookEventRecord | null> {
    return this.engine.write(() => {
      // The lease stays (an attempt in flight ends first); dropping the token keeps that attempt
      // from marking the event delivered or failed over this request.
      const row = this.one(
        `UPDATE webhook_events SET status = 'pending', next_attempt_at = ?, delivered_at = NULL,
           lock_token = NULL
         WHERE id = ? RETURNING *`,
        now,
        id,
      );
      if (!row) return null;
      this.audit(audit);
      return rows.toWebhookEvent(row);
    });
  }

  // ── refunds ──

  async createRefund(input: RefundInput): Promise<CreateRefundResult> {
    const { refund } = input;
    return this.engine.write((): CreateRefundResult => {
      const earlier = this.one(
        'SELECT * FROM refunds WHERE merchant_id = ? AND idempotency_key = ?',
        refund.merchantId,
        refund.idempotencyKey,
      );
      if (earlier) {
        const stored = rows.toRefund(earlier);
        return stored.requestHash === refund.requestHash
          ? { outcome: 'repeated', refund: stored }
          : { outcome: 'conflict' };
      }
      const refunded = rows.num(
        this.one(
          'SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE session_id = ?',
          refund.sessionId,
        )?.total,
      );
      const settled = this.one(
        "SELECT 1 FROM sessions WHERE id = ? AND merchant_id = ? AND status = 'settled'",
        refund.sessionId,
        refund.merchantId,
      );
      if (!settled) return { outcome: 'refused', conflict: 'session_state', refunded };
      if (refunded !== input.expectedRefunded) {
        return { outcome: 'refused', conflict: 'refunds_moved', refunded };
      }
      if (refunded + refund.amount > input.maxTotal) {
        return { outcome: 'refused', conflict: 'over_refund', refunded };
      }
      this.run(
        `INSERT INTO refunds (id, session_id, merchant_id, account_id, amount, currency, limit_amount,
           payment_at, reason, idempotency_key, request_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        refund.id,
        refund.sessionId,
        refund.merchantId,
        refund.accountId,
        refund.amount,
        refund.currency,
        refund.limitAmount,
        refund.paymentAt,
        refund.reason,
        refund.idempotencyKey,
        refund.requestHash,
        refund.createdAt,
      );
      this.insertWebhookEvent(input.webhook);
      this.audit(input.audit);
      return { outcome: 'created', refund };
    });
  }

  async listRefunds(sessionId: string): Promise<RefundRecord[]> {
    return this.all(
      'SELECT * FROM refunds WHERE session_id = ? ORDER BY created_at, id',
      sessionId,
    ).map(rows.toRefund);
  }
}
