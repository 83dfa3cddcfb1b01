/**
 * The records part of the PostgreSQL store: merchants and their keys, accounts, enrolments and
 * cards. `sessions.ts` adds the session lifecycle on top.
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
import { Rollback, type Queryable } from './database.js';
import { PgOperations } from './operations.js';
import * as rows from './rows.js';

/** `a = $n, b = $n+1` and its values, for the fields of `patch` that are present. */
function setClause(
  patch: Record<string, unknown>,
  columns: Record<string, string>,
): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [field, column] of Object.entries(columns)) {
    if (!(field in patch) || patch[field] === undefined) continue;
    const value = patch[field];
    values.push(Array.isArray(value) ? JSON.stringify(value) : value);
    parts.push(`${column} = $${values.length}`);
  }
  return { sql: parts.join(', '), values };
}

/** Whether `error` is a clash on the merchants' unique name key (SQLSTATE 23505 unique_violation). */
function isNameTaken(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'merchants_name_key';
}

/** The ledger's sum since `$2`, less what refunds of those payments gave back (docs/protocol.md "Refunds"). */
const LEDGER_SUM = `SELECT COALESCE(SUM(limit_amount), 0) - (
    SELECT COALESCE(SUM(r.limit_amount), 0) FROM refunds r
    WHERE r.account_id = $1 AND r.payment_at >= $2) AS total
  FROM ledger_entries WHERE account_id = $1 AND created_at >= $2`;

export class PgRecords extends PgOperations {
  // ── merchants and their keys ──

  async createMerchant(
    m: MerchantRecord,
    key: MerchantKeyRecord,
    audit: AuditEntry,
  ): Promise<CreateMerchantResult> {
    return this.engine.write(async (tx): Promise<CreateMerchantResult> => {
      // One statement decides: a name key another merchant holds (UNIQUE merchants_name_key)
      // inserts nothing, also when that merchant's transaction commits while this one waits.
      const inserted = await tx.run(
        `INSERT INTO merchants (id, name, name_key, mode, allowed_origins, webhook_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name_key) DO NOTHING`,
        [
          m.id,
          m.name,
          m.nameKey,
          m.mode,
          JSON.stringify(m.allowedOrigins),
          m.webhookUrl,
          m.createdAt,
        ],
      );
      if (inserted !== 1) return { ok: false, conflict: 'name_taken' };
      await this.insertMerchantKey(tx, key);
      await this.audit(tx, audit);
      return { ok: true };
    });
  }

  private async insertMerchantKey(tx: Queryable, key: MerchantKeyRecord): Promise<void> {
    await tx.run(
      'INSERT INTO merchant_keys (key_hash, merchant_id, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [key.keyHash, key.merchantId, key.prefix, key.createdAt, key.expiresAt],
    );
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const row = await this.one('SELECT * FROM merchants WHERE id = $1', [id]);
    return row ? rows.toMerchant(row) : null;
  }

  async listMerchants(): Promise<MerchantRecord[]> {
    return (await this.all('SELECT * FROM merchants ORDER BY created_at DESC, id')).map(
      rows.toMerchant,
    );
  }

  async findMerchantBySecretKeyHash(hash: string, now: number): Promise<MerchantRecord | null> {
    const row = await this.one(
      `SELECT m.* FROM merchant_keys k JOIN merchants m ON m.id = k.merchant_id
       WHERE k.key_hash = $1 AND (k.expires_at IS NULL OR k.expires_at > $2)`,
      [hash, now],
    );
    return row ? rows.toMerchant(row) : null;
  }

  async updateMerchant(
    id: string,
    patch: MerchantPatch,
    audit: AuditEntry,
    options: { webhookSecret?: WebhookSecretRecord } = {},
  ): Promise<UpdateMerchantResult> {
    return this.engine.write(async (tx): Promise<UpdateMerchantResult> => {
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
        const holder = await tx.one('SELECT id FROM merchants WHERE name_key = $1', [
          patch.nameKey,
        ]);
        if (holder && holder.id !== id) return { ok: false, conflict: 'name_taken' };
      }
      let row: rows.Row | undefined;
      try {
        row = sql
          ? await tx.one(
              `UPDATE merchants SET ${sql} WHERE id = $${values.length + 1} RETURNING *`,
              [...values, id],
            )
          : await tx.one('SELECT * FROM merchants WHERE id = $1', [id]);
      } catch (error) {
        // Taken since the look-up above, by a merchant another process created or renamed.
        if (isNameTaken(error)) throw new Rollback({ ok: false, conflict: 'name_taken' });
        throw error;
      }
      if (!row) return { ok: false, conflict: 'not_found' };
      const secret = options.webhookSecret;
      const webhookSecretAdded =
        secret !== undefined && (await this.addFirstSecret(tx, id, secret));
      await this.audit(tx, audit);
      await this.notifyMerchantChanged(tx, id);
      return { ok: true, merchant: rows.toMerchant(row), webhookSecretAdded };
    });
  }

  /** Adds `secret` unless the merchant has one unexpired at its `createdAt`; whether it did. */
  private async addFirstSecret(
    tx: Queryable,
    merchantId: string,
    secret: WebhookSecretRecord,
  ): Promise<boolean> {
    // The merchant's row lock queues two first settings: the second (a new statement, a new
    // snapshot) finds the first one's secret.
    await tx.run('SELECT 1 FROM merchants WHERE id = $1 FOR NO KEY UPDATE', [merchantId]);
    const added = await tx.run(
      `INSERT INTO webhook_secrets (id, merchant_id, secret, created_at, expires_at)
       SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (
         SELECT 1 FROM webhook_secrets
         WHERE merchant_id = $2 AND (expires_at IS NULL OR expires_at > $4))`,
      [secret.id, merchantId, secret.secret, secret.createdAt, secret.expiresAt],
    );
    return added === 1;
  }

  async rollMerchantKey(
    key: MerchantKeyRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // The merchant's row lock queues rolls of one merchant, so each sees the keys the previous
      // roll added and gives them their expiry too.
      const merchant = await tx.one('SELECT 1 FROM merchants WHERE id = $1 FOR NO KEY UPDATE', [
        key.merchantId,
      ]);
      if (!merchant) return false;
      await tx.run(
        `UPDATE merchant_keys SET expires_at = $1
         WHERE merchant_id = $2 AND (expires_at IS NULL OR expires_at > $1)`,
        [othersExpireAt, key.merchantId],
      );
      await this.insertMerchantKey(tx, key);
      await this.audit(tx, audit);
      await this.notifyMerchantChanged(tx, key.merchantId);
      return true;
    });
  }

  async listMerchantKeys(merchantId: string): Promise<MerchantKeyRecord[]> {
    return (
      await this.all(
        'SELECT * FROM merchant_keys WHERE merchant_id = $1 ORDER BY created_at DESC',
        [merchantId],
      )
    ).map(rows.toMerchantKey);
  }

  // ── accounts ──

  async createAccount(a: AccountRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(async (tx) => {
      await tx.run(
        `INSERT INTO accounts (id, display_name, name_key, user_handle, monthly_limit, currency,
           frozen_at, id_check, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          a.id,
          a.displayName,
          a.nameKey,
          a.userHandle,
          a.monthlyLimit,
          a.currency,
          a.frozenAt,
          a.idCheck === null ? null : JSON.stringify(a.idCheck),
          a.createdAt,
        ],
      );
      await this.audit(tx, audit);
    });
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const row = await this.one('SELECT * FROM accounts WHERE id = $1', [id]);
    return row ? rows.toAccount(row) : null;
  }

  async listAccounts(filter: {
    idPrefix?: string;
    nameKeyPart?: string;
    limit: number;
  }): Promise<AccountRecord[]> {
    if (filter.idPrefix === undefined && filter.nameKeyPart === undefined) {
      return (
        await this.all('SELECT * FROM accounts ORDER BY created_at DESC, id LIMIT $1', [
          filter.limit,
        ])
      ).map(rows.toAccount);
    }
    return (
      await this.all(
        `SELECT * FROM accounts
         WHERE ($1::text IS NOT NULL AND starts_with(id, $1)) OR ($2::text IS NOT NULL AND strpos(name_key, $2) > 0)
         ORDER BY created_at DESC, id LIMIT $3`,
        [filter.idPrefix ?? null, filter.nameKeyPart ?? null, filter.limit],
      )
    ).map(rows.toAccount);
  }

  async updateAccount(
    id: string,
    patch: AccountPatch,
    audit: AuditEntry,
  ): Promise<AccountRecord | null> {
    return this.engine.write(async (tx) => {
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
        ? await tx.one(`UPDATE accounts SET ${sql} WHERE id = $${values.length + 1} RETURNING *`, [
            ...values,
            id,
          ])
        : await tx.one('SELECT * FROM accounts WHERE id = $1', [id]);
      if (!row) return null;
      await this.audit(tx, audit);
      return rows.toAccount(row);
    });
  }

  async limitUsedSince(accountId: string, since: number): Promise<number> {
    return rows.num((await this.one(LEDGER_SUM, [accountId, since]))?.total);
  }

  /** What the account's ledger counted since `since` (inside a transaction). */
  protected async limitUsedIn(tx: Queryable, accountId: string, since: number): Promise<number> {
    return rows.num((await tx.one(LEDGER_SUM, [accountId, since]))?.total);
  }

  // ── enrolments and cards ──

  async createEnrollment(e: EnrollmentRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(async (tx) => {
      await tx.run(
        `INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at,
           purpose, activates_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          e.codeHash,
          e.accountId,
          e.expiresAt,
          e.challenge,
          e.usedAt,
          e.createdAt,
          e.purpose,
          e.activatesAt,
        ],
      );
      await this.audit(tx, audit);
    });
  }

  async getEnrollment(codeHash: string): Promise<EnrollmentRecord | null> {
    const row = await this.one('SELECT * FROM enrollments WHERE code_hash = $1', [codeHash]);
    return row ? rows.toEnrollment(row) : null;
  }

  async setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void> {
    await this.engine.run(
      'UPDATE enrollments SET challenge = $1 WHERE code_hash = $2 AND used_at IS NULL',
      [challenge, codeHash],
    );
  }

  async completeEnrollment(
    codeHash: string,
    card: CardRecord,
    now: number,
    audit: AuditEntry,
    recoveryCodeHashes: readonly string[] = [],
  ): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // A racing completion waits on the code's row, then finds it used: one card per code.
      const spent = await tx.run(
        'UPDATE enrollments SET used_at = $1, card_id = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1',
        [now, card.id, codeHash],
      );
      if (spent !== 1) return false;
      await tx.run(
        `INSERT INTO cards (id, account_id, credential_id, public_key, counter, transports, aaguid,
           attestation_fmt, name, test, created_at, last_used_at, revoked_at, activates_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, $12)`,
        [
          card.id,
          card.accountId,
          card.credentialId,
          Buffer.from(card.publicKey),
          card.counter,
          JSON.stringify(card.transports),
          card.aaguid,
          card.attestationFormat,
          card.name,
          card.test,
          card.createdAt,
          card.activatesAt,
        ],
      );
      if (recoveryCodeHashes.length > 0) {
        // The account row's lock orders two first cards of one account: the second finds codes.
        await tx.run('SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [card.accountId]);
        const has = await tx.one('SELECT 1 FROM recovery_codes WHERE account_id = $1 LIMIT 1', [
          card.accountId,
        ]);
        if (!has) {
          await tx.run(
            `INSERT INTO recovery_codes (code_hash, account_id, created_at, used_at, used_for)
             SELECT hash, $2, $3, NULL, NULL FROM unnest($1::text[]) AS hash`,
            [recoveryCodeHashes, card.accountId, now],
          );
        }
      }
      await this.audit(tx, audit);
      return true;
    });
  }

  async listCards(accountId: string): Promise<CardRecord[]> {
    return (
      await this.all('SELECT * FROM cards WHERE account_id = $1 ORDER BY created_at', [accountId])
    ).map(rows.toCard);
  }

  async getCard(id: string): Promise<CardRecord | null> {
    const row = await this.one('SELECT * FROM cards WHERE id = $1', [id]);
    return row ? rows.toCard(row) : null;
  }

  async getCardByCredentialId(credentialId: string): Promise<CardRecord | null> {
    const row = await this.one('SELECT * FROM cards WHERE credential_id = $1', [credentialId]);
    return row ? rows.toCard(row) : null;
  }

  async revokeCard(id: string, now: number, audit: AuditEntry): Promise<CardRecord | null> {
    return this.engine.write(async (tx) => {
      const row = await tx.one(
        'UPDATE cards SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *',
        [now, id],
      );
      if (!row) return null;
      await this.audit(tx, audit);
      return rows.toCard(row);
    });
  }
}
