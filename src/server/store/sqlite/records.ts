/**
 * The records part of the SQLite store: merchants and their keys, accounts, enrolments and cards.
 * `store.ts` adds the session lifecycle on top.
 */
import type {
  AccountPatch,
  AccountRecord,
  AuditEntry,
  CardRecord,
  CreateMerchantResult,
  EnrollmentRecord,
  MerchantKeyRecord,
  MerchantPatch,
  MerchantRecord,
  UpdateMerchantResult,
  WebhookSecretRecord,
} from '../types.js';
import { SqliteOperations } from './operations.js';
import * as rows from './rows.js';

/** `SET a = ?, b = ?` and its values, for the fields of `patch` that are present. */
function setClause(
  patch: Record<string, unknown>,
  columns: Record<string, string>,
): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [field, column] of Object.entries(columns)) {
    if (!(field in patch) || patch[field] === undefined) continue;
    parts.push(`${column} = ?`);
    const value = patch[field];
    values.push(Array.isArray(value) ? JSON.stringify(value) : value);
  }
  return { sql: parts.join(', '), values };
}

export class SqliteRecords extends SqliteOperations {
  // ── merchants and their keys ──

  async createMerchant(
    m: MerchantRecord,
    key: MerchantKeyRecord,
    audit: AuditEntry,
  ): Promise<CreateMerchantResult> {
    return this.engine.write((): CreateMerchantResult => {
      // One statement decides: a name key another merchant holds (UNIQUE merchants_name_key)
      // inserts nothing; any other clash (id, secret key) still throws.
      const inserted = this.run(
        `INSERT INTO merchants (id, name, name_key, mode, secret_key_hash, allowed_origins,
           webhook_url, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`,
        m.id,
        m.name,
        m.nameKey,
        m.mode,
        key.keyHash,
        JSON.stringify(m.allowedOrigins),
        m.webhookUrl,
        m.createdAt,
      );
      if (inserted.changes !== 1) return { ok: false, conflict: 'name_taken' };
      this.insertMerchantKey(key);
      this.audit(audit);
      return { ok: true };
    });
  }

  private insertMerchantKey(key: MerchantKeyRecord): void {
    this.run(
      'INSERT INTO merchant_keys (key_hash, merchant_id, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      key.keyHash,
      key.merchantId,
      key.prefix,
      key.createdAt,
      key.expiresAt,
    );
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const row = this.one('SELECT * FROM merchants WHERE id = ?', id);
    return row ? rows.toMerchant(row) : null;
  }

  async listMerchants(): Promise<MerchantRecord[]> {
    return this.all('SELECT * FROM merchants ORDER BY created_at DESC, id').map(rows.toMerchant);
  }

  async findMerchantBySecretKeyHash(hash: string, now: number): Promise<MerchantRecord | null> {
    const row = this.one(
      `SELECT m.* FROM merchant_keys k JOIN merchants m ON m.id = k.merchant_id
       WHERE k.key_hash = ? AND (k.expires_at IS NULL OR k.expires_at > ?)`,
      hash,
      now,
    );
    return row ? rows.toMerchant(row) : null;
  }

  async updateMerchant(
    id: string,
    patch: MerchantPatch,
    audit: AuditEntry,
    options: { webhookSecret?: WebhookSecretRecord } = {},
  ): Promise<UpdateMerchantResult> {
    return this.engine.write((): UpdateMerchantResult => {
      const { sql, values } = setClause(
        { ...patch },
        {
          name: 'name',
          nameKey: 'name_key',
          mode: 'mode',
          allowedOrigins: 'allowed_origins',
          webhookUrl: 'webhook_url',
        },
      );
      if (patch.nameKey !== undefined) {
        const holder = this.one('SELECT id FROM merchants WHERE name_key = ?', patch.nameKey);
        if (holder && holder.id !== id) return { ok: false, conflict: 'name_taken' };
      }
      const row = sql
        ? this.engine.db
            .prepare(`UPDATE merchants SET ${sql} WHERE id = ? RETURNING *`)
            .get(...values, id)
        : this.one('SELECT * FROM merchants WHERE id = ?', id);
      if (!row) return { ok: false, conflict: 'not_found' };
      const secret = options.webhookSecret;
      const webhookSecretAdded =
        secret !== undefined &&
        this.run(
          `INSERT INTO webhook_secrets (id, merchant_id, secret, created_at, expires_at)
           SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (
             SELECT 1 FROM webhook_secrets
             WHERE merchant_id = ? AND (expires_at IS NULL OR expires_at > ?))`,
          secret.id,
          id,
          secret.secret,
          secret.createdAt,
          secret.expiresAt,
          id,
          secret.createdAt,
        ).changes === 1;
      this.audit(audit);
      return { ok: true, merchant: rows.toMerchant(row as rows.Row), webhookSecretAdded };
    });
  }

  async rollMerchantKey(
    key: MerchantKeyRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(() => {
      if (!this.one('SELECT 1 FROM merchants WHERE id = ?', key.merchantId)) return false;
      this.run(
        `UPDATE merchant_keys SET expires_at = ?
         WHERE merchant_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
        othersExpireAt,
        key.merchantId,
        othersExpireAt,
      );
      this.insertMerchantKey(key);
      this.audit(audit);
      return true;
    });
  }

  async listMerchantKeys(merchantId: string): Promise<MerchantKeyRecord[]> {
    return this.all(
      'SELECT * FROM merchant_keys WHERE merchant_id = ? ORDER BY created_at DESC',
      merchantId,
    ).map(rows.toMerchantKey);
  }

  // ── accounts ──

  async createAccount(a: AccountRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(() => {
      this.run(
        `INSERT INTO accounts (id, display_name, name_key, user_handle, monthly_limit, currency,
           frozen_at, id_check, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        a.id,
        a.displayName,
        a.nameKey,
        a.userHandle,
        a.monthlyLimit,
        a.currency,
        a.frozenAt,
        a.idCheck === null ? null : JSON.stringify(a.idCheck),
        a.createdAt,
      );
      this.audit(audit);
    });
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const row = this.one('SELECT * FROM accounts WHERE id = ?', id);
    return row ? rows.toAccount(row) : null;
  }

  async listAccounts(filter: {
    idPrefix?: string;
    nameKeyPart?: string;
    limit: number;
  }): Promise<AccountRecord[]> {
    if (filter.idPrefix === undefined && filter.nameKeyPart === undefined) {
      return this.all(
        'SELECT * FROM accounts ORDER BY created_at DESC, id LIMIT ?',
        filter.limit,
      ).map(rows.toAccount);
    }
    return this.all(
      `SELECT * FROM accounts WHERE substr(id, 1, length(?)) = ? OR instr(name_key, ?) > 0
       ORDER BY created_at DESC, id LIMIT ?`,
      filter.idPrefix ?? '\u0000',
      filter.idPrefix ?? '\u0000',
      filter.nameKeyPart ?? '\u0000',
      filter.limit,
    ).map(rows.toAccount);
  }

  async updateAccount(
    id: string,
    patch: AccountPatch,
    audit: AuditEntry,
  ): Promise<AccountRecord | null> {
    return this.engine.write(() => {
      const { sql, values } = setClause(
        { ...patch },
        {
          displayName: 'display_name',
          nameKey: 'name_key',
          monthlyLimit: 'monthly_limit',
          frozenAt: 'frozen_at',
        },
      );
      // `frozenAt: null` (unfreeze) is a value to write, which setClause skips as undefined only.
      const row = sql
        ? this.engine.db
            .prepare(`UPDATE accounts SET ${sql} WHERE id = ? RETURNING *`)
            .get(...values, id)
        : this.one('SELECT * FROM accounts WHERE id = ?', id);
      if (!row) return null;
      this.audit(audit);
      return rows.toAccount(row as rows.Row);
    });
  }

  async limitUsedSince(accountId: string, since: number): Promise<number> {
    return this.limitUsed(accountId, since);
  }

  /** What counts against the account's limit since `since` (inside a write, or alone). */
  protected limitUsed(accountId: string, since: number): number {
    // A refund gives back to the month of the payment it refunds (docs/protocol.md "Refunds").
    return rows.num(
      this.one(
        `SELECT COALESCE(SUM(limit_amount), 0) - (
           SELECT COALESCE(SUM(r.limit_amount), 0) FROM refunds r
           WHERE r.account_id = ? AND r.payment_at >= ?) AS total
         FROM ledger_entries WHERE account_id = ? AND created_at >= ?`,
        accountId,
        since,
        accountId,
        since,
      )?.total,
    );
  }

  // ── enrolments and cards ──

  async createEnrollment(e: EnrollmentRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(() => {
      this.run(
        `INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at,
           purpose, activates_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        e.codeHash,
        e.accountId,
        e.expiresAt,
        e.challenge,
        e.usedAt,
        e.createdAt,
        e.purpose,
        e.activatesAt,
      );
      this.audit(audit);
    });
  }

  async getEnrollment(codeHash: string): Promise<EnrollmentRecord | null> {
    const row = this.one('SELECT * FROM enrollments WHERE code_hash = ?', codeHash);
    return row ? rows.toEnrollment(row) : null;
  }

  async setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void> {
    await this.engine.write(() =>
      this.run(
        'UPDATE enrollments SET challenge = ? WHERE code_hash = ? AND used_at IS NULL',
        challenge,
        codeHash,
      ),
    );
  }

  async completeEnrollment(
    codeHash: string,
    card: CardRecord,
    now: number,
    audit: AuditEntry,
    recoveryCodeHashes: readonly string[] = [],
  ): Promise<boolean> {
    return this.engine.write(() => {
      const spent = this.run(
        'UPDATE enrollments SET used_at = ?, card_id = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?',
        now,
        card.id,
        codeHash,
        now,
      );
      if (spent.changes !== 1) return false;
      this.run(
        `INSERT INTO cards (id, account_id, credential_id, public_key, counter, transports, aaguid,
           attestation_fmt, name, test, created_at, last_used_at, revoked_at, activates_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
        card.id,
        card.accountId,
        card.credentialId,
        Buffer.from(card.publicKey),
        card.counter,
        JSON.stringify(card.transports),
        card.aaguid,
        card.attestationFormat,
        card.name,
        card.test ? 1 : 0,
        card.createdAt,
        card.activatesAt,
      );
      this.issueRecoveryCodes(card.accountId, recoveryCodeHashes, now);
      this.audit(audit);
      return true;
    });
  }

  /** The account's recovery codes, unless it has some already (inside the caller's write). */
  private issueRecoveryCodes(accountId: string, hashes: readonly string[], now: number): void {
    if (hashes.length === 0) return;
    if (this.one('SELECT 1 FROM recovery_codes WHERE account_id = ? LIMIT 1', accountId)) return;
    for (const hash of hashes) {
      this.run(
        'INSERT INTO recovery_codes (code_hash, account_id, created_at, used_at, used_for) VALUES (?, ?, ?, NULL, NULL)',
        hash,
        accountId,
        now,
      );
    }
  }

  async listCards(accountId: string): Promise<CardRecord[]> {
    return this.all('SELECT * FROM cards WHERE account_id = ? ORDER BY created_at', accountId).map(
      rows.toCard,
    );
  }

  async getCard(id: string): Promise<CardRecord | null> {
    const row = this.one('SELECT * FROM cards WHERE id = ?', id);
    return row ? rows.toCard(row) : null;
  }

  async getCardByCredentialId(credentialId: string): Promise<CardRecord | null> {
    const row = this.one('SELECT * FROM cards WHERE credential_id = ?', credentialId);
    return row ? rows.toCard(row) : null;
  }

  async revokeCard(id: string, now: number, audit: AuditEntry): Promise<CardRecord | null> {
    return this.engine.write(() => {
      const row = this.one(
        'UPDATE cards SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
        now,
        id,
      );
      if (!row) return null;
      this.audit(audit);
      return rows.toCard(row);
    });
  }
}
