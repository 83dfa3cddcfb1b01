/**
 * The records half of the SQLite store: the engine, merchants, admin keys, accounts, enrolments,
 * cards, the audit log and signing keys. `store.ts` adds the session lifecycle on top.
 */
import type {
  AccountRecord,
  AuditEntry,
  AuditRecord,
  CardRecord,
  CreateMerchantResult,
  EnrollmentRecord,
  MerchantRecord,
  SessionRecord,
  SigningKeyRecord,
} from '../types.js';
import type Database from 'better-sqlite3';
import { SqliteDatabase } from './database.js';
import * as rows from './rows.js';

export class SqliteRecords {
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

  protected audit(entry: AuditEntry): void {
    this.run(
      'INSERT INTO audit_log (at, actor, action, session_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      entry.at,
      entry.actor,
      entry.action,
      entry.sessionId ?? null,
      entry.ip ?? null,
      entry.userAgent?.slice(0, 256) ?? null,
      JSON.stringify(entry.detail ?? {}),
    );
  }

  // ── merchants, admin keys ──

  async createMerchant(m: MerchantRecord, audit: AuditEntry): Promise<CreateMerchantResult> {
    return this.engine.write((): CreateMerchantResult => {
      // One statement decides: a name key another merchant holds (UNIQUE merchants_name_key)
      // inserts nothing; any other clash (id, secret key) still throws.
      const inserted = this.run(
        `INSERT INTO merchants (id, name, name_key, mode, secret_key_hash, allowed_origins, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`,
        m.id,
        m.name,
        m.nameKey,
        m.mode,
        m.secretKeyHash,
        JSON.stringify(m.allowedOrigins),
        m.createdAt,
      );
      if (inserted.changes !== 1) return { ok: false, conflict: 'name_taken' };
      this.audit(audit);
      return { ok: true };
    });
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const row = this.one('SELECT * FROM merchants WHERE id = ?', id);
    return row ? rows.toMerchant(row) : null;
  }

  async findMerchantBySecretKeyHash(hash: string): Promise<MerchantRecord | null> {
    const row = this.one('SELECT * FROM merchants WHERE secret_key_hash = ?', hash);
    return row ? rows.toMerchant(row) : null;
  }

  async setMerchantAllowedOrigins(
    id: string,
    allowedOrigins: string[],
    audit: AuditEntry,
  ): Promise<MerchantRecord | null> {
    return this.engine.write(() => {
      const row = this.one(
        'UPDATE merchants SET allowed_origins = ? WHERE id = ? RETURNING *',
        JSON.stringify(allowedOrigins),
        id,
      );
      if (!row) return null;
      this.audit(audit);
      return rows.toMerchant(row);
    });
  }

  async addAdminKey(hash: string, now: number): Promise<void> {
    await this.engine.write(() =>
      this.run('INSERT OR IGNORE INTO admin_keys (key_hash, created_at) VALUES (?, ?)', hash, now),
    );
  }

  async hasAdminKey(hash: string): Promise<boolean> {
    return this.one('SELECT 1 FROM admin_keys WHERE key_hash = ?', hash) !== undefined;
  }

  async countAdminKeys(): Promise<number> {
    return rows.num(this.one('SELECT COUNT(*) AS n FROM admin_keys')?.n);
  }

  // ── accounts, enrolments, cards ──

  async createAccount(a: AccountRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(() => {
      this.run(
        'INSERT INTO accounts (id, display_name, user_handle, monthly_limit, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        a.id,
        a.displayName,
        a.userHandle,
        a.monthlyLimit,
        a.currency,
        a.createdAt,
      );
      this.audit(audit);
    });
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const row = this.one('SELECT * FROM accounts WHERE id = ?', id);
    return row ? rows.toAccount(row) : null;
  }

  async createEnrollment(e: EnrollmentRecord, audit: AuditEntry): Promise<void> {
    await this.engine.write(() => {
      this.run(
        'INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        e.codeHash,
        e.accountId,
        e.expiresAt,
        e.challenge,
        e.usedAt,
        e.createdAt,
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
           attestation_fmt, name, test, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
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
      );
      this.audit(audit);
      return true;
    });
  }

  async listCards(accountId: string): Promise<CardRecord[]> {
    return this.all('SELECT * FROM cards WHERE account_id = ? ORDER BY created_at', accountId).map(
      rows.toCard,
    );
  }

  async getCardByCredentialId(credentialId: string): Promise<CardRecord | null> {
    const row = this.one('SELECT * FROM cards WHERE credential_id = ?', credentialId);
    return row ? rows.toCard(row) : null;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.engine.write(() => this.audit(entry));
  }

  async listAudit(filter: { sessionId?: string } = {}): Promise<AuditRecord[]> {
    const found =
      filter.sessionId === undefined
        ? this.all('SELECT * FROM audit_log ORDER BY id')
        : this.all('SELECT * FROM audit_log WHERE session_id = ? ORDER BY id', filter.sessionId);
    return found.map(rows.toAudit);
  }

  // ── signing keys ──

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.all('SELECT * FROM signing_keys ORDER BY created_at').map(rows.toSigningKey);
  }

  async addSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.engine.write(() =>
      this.run(
        'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, activated_at, retired_at) VALUES (?, ?, ?, ?, NULL, NULL)',
        key.kid,
        key.privateKey,
        JSON.stringify(key.publicJwk),
        key.createdAt,
      ),
    );
  }

  async activateSigningKey(
    kid: string,
    now: number,
    expectedCurrentKid: string | null,
  ): Promise<boolean> {
    return this.engine.write(() => {
      const current = this.one(
        'SELECT kid FROM signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL',
      );
      if ((current ? String(current.kid) : null) !== expectedCurrentKid) return false;
      const activated = this.run(
        'UPDATE signing_keys SET activated_at = ? WHERE kid = ? AND activated_at IS NULL AND retired_at IS NULL',
        now,
        kid,
      );
      if (activated.changes !== 1) return false;
      this.run(
        'UPDATE signing_keys SET retired_at = ? WHERE activated_at IS NOT NULL AND retired_at IS NULL AND kid <> ?',
        now,
        kid,
      );
      return true;
    });
  }

  async setSigningKeyPrivate(kid: string, privateKey: string): Promise<void> {
    await this.engine.write(() =>
      this.run('UPDATE signing_keys SET private_jwk = ? WHERE kid = ?', privateKey, kid),
    );
  }
}
