/**
 * The Web Push part of the PostgreSQL store: subscriptions per account, the issuer's VAPID key
 * pair, and which account approved a session. As in the SQLite store (`../sqlite/push.ts`), each
 * change is one transaction; the account's row lock orders two subscriptions of one account, so
 * the cap holds across processes.
 */
import type {
  ApprovingAccount,
  AuditEntry,
  PushSubscriptionRecord,
  SavePushSubscriptionResult,
  VapidKeyRecord,
} from '../types.js';
import { PgRecovery } from './recovery.js';
import { num, type Row } from './rows.js';

const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value));

function toPushSubscription(row: Row): PushSubscriptionRecord {
  return {
    endpoint: String(row.endpoint),
    accountId: String(row.account_id),
    p256dh: String(row.p256dh),
    auth: String(row.auth),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    lastSuccessAt: numOrNull(row.last_success_at),
  };
}

function toVapidKey(row: Row): VapidKeyRecord {
  return {
    publicKey: String(row.public_key),
    privateKey: String(row.private_key),
    createdAt: num(row.created_at),
  };
}

export class PgPush extends PgRecovery {
  async savePushSubscription(
    sub: PushSubscriptionRecord,
    maxPerAccount: number,
    audit: AuditEntry,
  ): Promise<SavePushSubscriptionResult> {
    return this.engine.write(async (tx): Promise<SavePushSubscriptionResult> => {
      // Subscriptions of one account one at a time (the cap below counts them).
      await tx.one('SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [sub.accountId]);
      // `xmax = 0` only on a row this statement inserted (not one it updated).
      const written = await tx.one(
        `INSERT INTO push_subscriptions (endpoint, account_id, p256dh, auth, created_at,
           updated_at, last_success_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)
         ON CONFLICT (endpoint) DO UPDATE SET account_id = excluded.account_id,
           p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at
         RETURNING (xmax = 0) AS created`,
        [sub.endpoint, sub.accountId, sub.p256dh, sub.auth, sub.createdAt, sub.updatedAt],
      );
      // Beyond the cap, the least recently updated go (never the one just written).
      const evicted = await tx.run(
        `DELETE FROM push_subscriptions WHERE endpoint IN (
           SELECT endpoint FROM push_subscriptions WHERE account_id = $1 AND endpoint <> $2
           ORDER BY updated_at DESC, endpoint OFFSET $3)`,
        [sub.accountId, sub.endpoint, Math.max(0, maxPerAccount - 1)],
      );
      await this.audit(tx, audit);
      return { created: written?.created === true, evicted };
    });
  }

  async listPushSubscriptions(accountId: string): Promise<PushSubscriptionRecord[]> {
    const found = await this.all(
      'SELECT * FROM push_subscriptions WHERE account_id = $1 ORDER BY updated_at, endpoint',
      [accountId],
    );
    return found.map(toPushSubscription);
  }

  async deletePushSubscription(
    endpoint: string,
    p256dh: string,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(async (tx) => {
      const deleted = await tx.run(
        'DELETE FROM push_subscriptions WHERE endpoint = $1 AND p256dh = $2',
        [endpoint, p256dh],
      );
      if (deleted !== 1) return false;
      await this.audit(tx, audit);
      return true;
    });
  }

  async markPushDelivered(endpoint: string, now: number): Promise<void> {
    await this.engine.write((tx) =>
      tx.run('UPDATE push_subscriptions SET last_success_at = $1 WHERE endpoint = $2', [
        now,
        endpoint,
      ]),
    );
  }

  async ensureVapidKey(candidate: VapidKeyRecord): Promise<VapidKeyRecord> {
    return this.engine.write(async (tx) => {
      // A racing process's insert makes this one wait, then do nothing; the SELECT (a new
      // statement, a new snapshot under READ COMMITTED) then sees the winner's key.
      await tx.run(
        `INSERT INTO vapid_keys (id, public_key, private_key, created_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO NOTHING`,
        [candidate.publicKey, candidate.privateKey, candidate.createdAt],
      );
      return toVapidKey((await tx.one('SELECT * FROM vapid_keys WHERE id = 1')) as Row);
    });
  }

  async replaceVapidPrivateKey(expected: string, privateKey: string): Promise<boolean> {
    return this.engine.write(
      async (tx) =>
        (await tx.run('UPDATE vapid_keys SET private_key = $1 WHERE id = 1 AND private_key = $2', [
          privateKey,
          expected,
        ])) === 1,
    );
  }

  async approvingAccount(sessionId: string): Promise<ApprovingAccount | null> {
    const row =
      (await this.one('SELECT account_id, card_id FROM ledger_entries WHERE session_id = $1', [
        sessionId,
      ])) ??
      (await this.one(
        `SELECT account_id, card_id FROM audit_log
         WHERE session_id = $1 AND action = 'session.failed' AND account_id IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
        [sessionId],
      ));
    if (!row) return null;
    return {
      accountId: String(row.account_id),
      cardId: row.card_id === null ? null : String(row.card_id),
    };
  }
}
