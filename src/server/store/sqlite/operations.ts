/**
 * The operators' part of the SQLite store: admin keys, console sessions, the audit log and the
 * signing keys. `records.ts` adds merchants, accounts and cards on top.
 */
import type {
  AdminKeyRecord,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  ConsoleSessionRecord,
  RiskSignalQuery,
  RiskSignals,
  SigningKeyRecord,
} from '../types.js';
import { riskParams, riskSignalsOf, riskStatement } from '../risk-sql.js';
import { SqliteBase } from './base.js';
import * as rows from './rows.js';

export class SqliteOperations extends SqliteBase {
  // ── admin keys ──

  async createAdminKey(key: AdminKeyRecord, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(() => {
      const inserted = this.run(
        `INSERT INTO admin_keys (id, key_hash, label, created_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, NULL, NULL) ON CONFLICT (key_hash) DO NOTHING`,
        key.id,
        key.keyHash,
        key.label,
        key.createdAt,
      );
      if (inserted.changes !== 1) return false;
      this.audit(audit);
      return true;
    });
  }

  async findAdminKeyByHash(hash: string): Promise<AdminKeyRecord | null> {
    const row = this.one('SELECT * FROM admin_keys WHERE key_hash = ?', hash);
    return row ? rows.toAdminKey(row) : null;
  }

  async listAdminKeys(): Promise<AdminKeyRecord[]> {
    return this.all('SELECT * FROM admin_keys ORDER BY created_at DESC, id').map(rows.toAdminKey);
  }

  async countAdminKeys(): Promise<number> {
    return rows.num(this.one('SELECT COUNT(*) AS n FROM admin_keys WHERE revoked_at IS NULL')?.n);
  }

  async touchAdminKey(id: string, now: number): Promise<void> {
    await this.engine.write(() =>
      this.run('UPDATE admin_keys SET last_used_at = ? WHERE id = ?', now, id),
    );
  }

  async revokeAdminKey(id: string, now: number, audit: AuditEntry): Promise<AdminKeyRecord | null> {
    return this.engine.write(() => {
      const row = this.one(
        'UPDATE admin_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
        now,
        id,
      );
      if (!row) return null;
      this.run(
        'UPDATE console_sessions SET ended_at = ? WHERE admin_key_id = ? AND ended_at IS NULL',
        now,
        id,
      );
      this.audit(audit);
      return rows.toAdminKey(row);
    });
  }

  // ── console sessions ──

  async createConsoleSession(session: ConsoleSessionRecord, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(() => {
      // One statement: nothing is inserted for a revoked (or missing) key.
      const inserted = this.run(
        `INSERT INTO console_sessions (token_hash, admin_key_id, created_at, last_seen_at, expires_at, ended_at)
         SELECT ?, id, ?, ?, ?, NULL FROM admin_keys WHERE id = ? AND revoked_at IS NULL`,
        session.tokenHash,
        session.createdAt,
        session.lastSeenAt,
        session.expiresAt,
        session.adminKeyId,
      );
      if (inserted.changes !== 1) return false;
      this.audit(audit);
      return true;
    });
  }

  async getConsoleSession(tokenHash: string): Promise<ConsoleSessionRecord | null> {
    const row = this.one('SELECT * FROM console_sessions WHERE token_hash = ?', tokenHash);
    return row ? rows.toConsoleSession(row) : null;
  }

  async touchConsoleSession(tokenHash: string, now: number): Promise<void> {
    await this.engine.write(() =>
      this.run(
        'UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL',
        now,
        tokenHash,
      ),
    );
  }

  async endConsoleSession(tokenHash: string, now: number, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(() => {
      const ended = this.run(
        'UPDATE console_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL',
        now,
        tokenHash,
      );
      if (ended.changes !== 1) return false;
      this.audit(audit);
      return true;
    });
  }

  // ── audit log ──

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

  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const equal = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    equal('session_id', query.sessionId);
    equal('account_id', query.accountId);
    equal('card_id', query.cardId);
    equal('merchant_id', query.merchantId);
    if (query.action?.endsWith('.')) {
      // A prefix: the range [prefix, prefix + U+FFFF) keeps the index usable.
      where.push('action >= ? AND action < ?');
      params.push(query.action, `${query.action}\uffff`);
    } else equal('action', query.action);
    for (const [clause, value] of [
      ['at >= ?', query.since],
      ['at < ?', query.until],
      ['id < ?', query.beforeId],
    ] as const) {
      if (value === undefined) continue;
      where.push(clause);
      params.push(value);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    // Dynamic text, so not a cached statement: the admin API's filters vary per request.
    const found = this.engine.db.prepare(sql).all(...params, query.limit) as rows.Row[];
    return found.map(rows.toAudit);
  }

  // ── risk signals ──

  async riskSignals(q: RiskSignalQuery): Promise<RiskSignals> {
    // One statement: each signal asked for reads an index and stops at its cap.
    // Named (`@p1`): better-sqlite3 binds an array to `?`, not to the numbered `?1`.
    const statement = riskStatement(q.caps, (n) => `@p${n}`);
    const values = riskParams(statement, q).map((value, i) => [`p${i + 1}`, value]);
    return riskSignalsOf(statement, this.one(statement.text, Object.fromEntries(values)), rows.num);
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
