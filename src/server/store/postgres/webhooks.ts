/**
 * The merchant-facing part of the PostgreSQL store: webhook secrets, the webhook outbox and
 * refunds, as in the SQLite store (`../sqlite/webhooks.ts`). With several processes on one
 * database, a claim leases each due event to one process (`FOR UPDATE SKIP LOCKED`, then a lease
 * in the row); an event whose process died is claimed again once its lease has ended.
 * `sessions.ts` adds the session lifecycle on top; its writes put their webhook events in the
 * outbox with `insertWebhookEvent` (`base.ts`).
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
import type { Tx } from './database.js';
import { PgPush } from './push.js';
import * as rows from './rows.js';

/** Due, and its lease (if any) ended, at `$1`. */
const CLAIMABLE = `status = 'pending' AND next_attempt_at <= $1
  AND (locked_until IS NULL OR locked_until <= $1)`;

async function insertRefund(tx: Tx, refund: RefundRecord): Promise<boolean> {
  const inserted = await tx.run(
    `INSERT INTO refunds (id, session_id, merchant_id, account_id, amount, currency, limit_amount,
       payment_at, reason, idempotency_key, request_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
    [
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
    ],
  );
  return inserted === 1;
}

/** The refund stored under the merchant's idempotency key, as a repeat or a conflict. */
async function earlierRefund(tx: Tx, refund: RefundRecord): Promise<CreateRefundResult | null> {
  const row = await tx.one(
    'SELECT * FROM refunds WHERE merchant_id = $1 AND idempotency_key = $2',
    [refund.merchantId, refund.idempotencyKey],
  );
  if (!row) return null;
  const stored = rows.toRefund(row);
  return stored.requestHash === refund.requestHash
    ? { outcome: 'repeated', refund: stored }
    : { outcome: 'conflict' };
}

export class PgOutbox extends PgPush {
  // ── webhook secrets ──

  async rollWebhookSecret(
    secret: WebhookSecretRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // The merchant's row lock queues rolls of one merchant (as rollMerchantKey).
      const merchant = await tx.one('SELECT 1 FROM merchants WHERE id = $1 FOR NO KEY UPDATE', [
        secret.merchantId,
      ]);
      if (!merchant) return false;
      await tx.run(
        `UPDATE webhook_secrets SET expires_at = $1
         WHERE merchant_id = $2 AND (expires_at IS NULL OR expires_at > $1)`,
        [othersExpireAt, secret.merchantId],
      );
      await tx.run(
        'INSERT INTO webhook_secrets (id, merchant_id, secret, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [secret.id, secret.merchantId, secret.secret, secret.createdAt, secret.expiresAt],
      );
      await this.audit(tx, audit);
      return true;
    });
  }

  async listWebhookSecrets(merchantId: string): Promise<WebhookSecretRecord[]> {
    return (
      await this.all(
        'SELECT * FROM webhook_secrets WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC',
        [merchantId],
      )
    ).map(rows.toWebhookSecret);
  }

  async setWebhookSecretValue(id: string, secret: string): Promise<void> {
    await this.engine.run('UPDATE webhook_secrets SET secret = $1 WHERE id = $2', [secret, id]);
  }

  // ── the outbox ──

  async claimWebhookEvents(input: ClaimWebhookEventsInput): Promise<WebhookEventRecord[]> {
    const { now } = input;
    // A read first: an idle issuer checks every second, and a read takes no row lock.
    const due = await this.one(`SELECT 1 FROM webhook_events WHERE ${CLAIMABLE} LIMIT 1`, [now]);
    if (!due) return [];
    // Rows another process is claiming right now are skipped, not waited for; a row claimed and
    // committed meanwhile is re-checked on its new version (its lease) and left out.
    const claimed = await this.engine.all(
      `UPDATE webhook_events SET locked_until = $2, lock_token = $3
       WHERE id IN (
         SELECT id FROM webhook_events WHERE ${CLAIMABLE}
         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         AND ${CLAIMABLE}
       RETURNING *`,
      [now, input.lockedUntil, input.lockToken, input.limit],
    );
    return claimed
      .map(rows.toWebhookEvent)
      .sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || (a.id < b.id ? -1 : 1));
  }

  async recordWebhookAttempt(input: WebhookAttemptInput): Promise<boolean> {
    const { outcome } = input;
    return this.engine.write(async (tx) => {
      // Counting locks the row: racing attempts of one event get numbers one after the other.
      const counted = await tx.one(
        'UPDATE webhook_events SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
        [input.eventId],
      );
      if (!counted) return false;
      const nextAttemptAt = outcome.status === 'pending' ? outcome.nextAttemptAt : null;
      const applied = await tx.run(
        `UPDATE webhook_events SET status = $1, next_attempt_at = $2, delivered_at = $3,
           locked_until = NULL, lock_token = NULL
         WHERE id = $4 AND lock_token = $5`,
        [
          outcome.status,
          nextAttemptAt,
          outcome.status === 'delivered' ? input.at : null,
          input.eventId,
          input.lockToken,
        ],
      );
      await tx.run(
        `INSERT INTO webhook_attempts (event_id, attempt, at, url, status_code, error, duration_ms,
           next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          input.eventId,
          rows.num(counted.attempts),
          input.at,
          input.url,
          input.statusCode,
          input.error?.slice(0, 500) ?? null,
          Math.max(0, Math.round(input.durationMs)),
          applied === 1 ? nextAttemptAt : null,
        ],
      );
      return applied === 1;
    });
  }

  async getWebhookEvent(id: string): Promise<WebhookEventRecord | null> {
    const row = await this.one('SELECT * FROM webhook_events WHERE id = $1', [id]);
    return row ? rows.toWebhookEvent(row) : null;
  }

  async listWebhookEvents(query: {
    merchantId: string;
    beforeId?: string;
    limit: number;
  }): Promise<WebhookEventRecord[]> {
    return (
      await this.all(
        `SELECT * FROM webhook_events WHERE merchant_id = $1 AND ($2::text IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3`,
        [query.merchantId, query.beforeId ?? null, query.limit],
      )
    ).map(rows.toWebhookEvent);
  }

  async listWebhookAttempts(eventIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
    if (eventIds.length === 0) return [];
    return (
      await this.all(
        'SELECT * FROM webhook_attempts WHERE event_id = ANY($1::text[]) ORDER BY event_id, attempt',
        [[...eventIds]],
      )
    ).map(rows.toWebhookAttempt);
  }

  async redeliverWebhookEvent(
    id: string,
    now: number,
    audit: AuditEntry,
  ): Promise<WebhookEventRecord | null> {
    return this.engine.write(async (tx) => {
      // The lease stays (an attempt in flight ends first); dropping the token keeps that attempt
      // from marking the event delivered or failed over this request.
      const row = await tx.one(
        `UPDATE webhook_events SET status = 'pending', next_attempt_at = $1, delivered_at = NULL,
           lock_token = NULL
         WHERE id = $2 RETURNING *`,
        [now, id],
      );
      if (!row) return null;
      await this.audit(tx, audit);
      return rows.toWebhookEvent(row);
    });
  }

  // ── refunds ──

  async createRefund(input: RefundInput): Promise<CreateRefundResult> {
    const { refund } = input;
    return this.engine.write(async (tx): Promise<CreateRefundResult> => {
      // The session's row lock queues refunds of one session: each sums the refunds committed
      // before it (a new statement, a new snapshot), its own repeat among them.
      const session = await tx.one(
        'SELECT merchant_id, status FROM sessions WHERE id = $1 FOR NO KEY UPDATE',
        [refund.sessionId],
      );
      const earlier = await earlierRefund(tx, refund);
      if (earlier) return earlier;
      const refunded = rows.num(
        (
          await tx.one(
            'SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE session_id = $1',
            [refund.sessionId],
          )
        )?.total ?? 0,
      );
      if (!session || session.merchant_id !== refund.merchantId || session.status !== 'settled') {
        return { outcome: 'refused', conflict: 'session_state', refunded };
      }
      if (refunded !== input.expectedRefunded) {
        return { outcome: 'refused', conflict: 'refunds_moved', refunded };
      }
      if (refunded + refund.amount > input.maxTotal) {
        return { outcome: 'refused', conflict: 'over_refund', refunded };
      }
      // The key used meanwhile for another session of the merchant: that one's refund answers.
      if (!(await insertRefund(tx, refund))) {
        return (await earlierRefund(tx, refund)) ?? { outcome: 'conflict' };
      }
      await this.insertWebhookEvent(tx, input.webhook);
      await this.audit(tx, input.audit);
      return { outcome: 'created', refund };
    });
  }

  async listRefunds(sessionId: string): Promise<RefundRecord[]> {
    return (
      await this.all('SELECT * FROM refunds WHERE session_id = $1 ORDER BY created_at, id', [
        sessionId,
      ])
    ).map(rows.toRefund);
  }
}
