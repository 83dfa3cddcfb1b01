/**
 * The Web Push part of the SQLite store: subscriptions per account, the issuer's VAPID key pair,
 * and which account approved a session. `store.ts` adds the session lifecycle on top.
 */
import type {
  ApprovingAccount,
  AuditEntry,
  PushSubscriptionRecord,
  SavePushSubscriptionResult,
  VapidKeyRecord,
} from '../types.js';
import { SqliteRecovery } from './recovery.js';
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

export class SqlitePush extends SqliteRecovery {
  async savePushSubscription(
    sub: PushSubscriptionRecord,
    maxPerAccount: number,
    audit: AuditEntry,
  ): Promise<SavePushSubscriptionResult> {
    return this.engine.write((): SavePushSubscriptionResult => {
      const existed = this.one('SELECT 1 FROM push_subscriptions WHERE endpoint = ?', sub.endpoint);
      this.run(
        `INSERT INTO push_subscriptions (endpoint, account_id, p256dh, auth, created_at, updated_at,
           last_success_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (endpoint) DO UPDATE SET account_id = excluded.account_id,
           p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at`,
        sub.endpoint,
        sub.accountId,
        sub.p256dh,
        sub.auth,
        sub.createdAt,
        sub.updatedAt,
      );
      // Beyond the cap, the least recently updated go (never the one just written).
      const evicted = this.run(
        `DELETE FROM push_subscriptions WHERE endpoint IN (
           SELECT endpoint FROM push_subscriptions WHERE account_id = ? AND endpoint <> ?
           ORDER BY updated_at DESC, endpoint LIMIT -1 OFFSET ?)`,
        sub.accountId,
        sub.endpoint,
        Math.max(0, maxPerAccount - 1),
      ).changes;
      this.audit(audit);
      return { created: !existed, evicted };
    });
  }

  async listPushSubscriptions(accountId: string): Promise<PushSubscriptionRecord[]> {
    return this.all(
      'SELECT * FROM push_subscriptions WHERE account_id = ? ORDER BY updated_at, endpoint',
      accountId,
    ).map(toPushSubscription);
  }

  async deletePushSubscription(
    endpoint: string,
    p256dh: string,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(() => {
      const deleted = this.run(
        'DELETE FROM push_subscriptions WHERE endpoint = ? AND p256dh = ?',
        endpoint,
        p256dh,
      );
      if (deleted.changes !== 1) return false;
      this.audit(audit);
      return true;
    });
  }

  async markPushDelivered(endpoint: string, now: number): Promise<void> {
    await this.engine.write(() =>
      this.run(
        'UPDATE push_subscriptions SET last_success_at = ? WHERE endpoint = ?',
        now,
        endpoint,
      ),
    );
  }

  async ensureVapidKey(candidate: VapidKeyRecord): Promise<VapidKeyRecord> {
    return this.engine.write(() => {
      this.run(
        `INSERT INTO vapid_keys (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
        candidate.publicKey,
        candidate.privateKey,
        candidate.createdAt,
      );
      return toVapidKey(this.one('SELECT * FROM vapid_keys WHERE id = 1') as Row);
    });
  }

  async replaceVapidPrivateKey(expected: string, privateKey: string): Promise<boolean> {
    return this.engine.write(
      () =>
        this.run(
          'UPDATE vapid_keys SET private_key = ? WHERE id = 1 AND private_key = ?',
          privateKey,
          expected,
        ).changes === 1,
    );
  }

  async approvingAccount(sessionId: string): Promise<ApprovingAccount | null> {
    const row =
      this.one('SELECT account_id, card_id FROM ledger_entries WHERE session_id = ?', sessionId) ??
      this.one(
        `SELECT account_id, card_id FROM audit_log
         WHERE session_id = ? AND action = 'session.failed' AND account_id IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
        sessionId,
      );
    if (!row) return null;
    return {
      accountId: String(row.account_id),
      cardId: row.card_id === null ? null : String(row.card_id),
    };
  }
}
