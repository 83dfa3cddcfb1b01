/**
 * The operators' part of the PostgreSQL store: admin keys, console sessions, the audit log and the
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
import { PgBase } from './base.js';
import { Rollback } from './database.js';
import * as rows from './rows.js';

export class PgOperations extends PgBase {
  // ── admin keys ──

  async createAdminKey(key: AdminKeyRecord, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // A racing insert of the same hash waits for the other transaction, then does nothing.
      const inserted = await tx.run(
        `INSERT INTO admin_keys (id, key_hash, label, created_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, NULL, NULL) ON CONFLICT (key_hash) DO NOTHING`,
        [key.id, key.keyHash, key.label, key.createdAt],
      );
      if (inserted !== 1) return false;
      await this.audit(tx, audit);
      return true;
    });
  }

  async findAdminKeyByHash(hash: string): Promise<AdminKeyRecord | null> {
    const row = await this.one('SELECT * FROM admin_keys WHERE key_hash = $1', [hash]);
    return row ? rows.toAdminKey(row) : null;
  }

  async listAdminKeys(): Promise<AdminKeyRecord[]> {
    return (await this.all('SELECT * FROM admin_keys ORDER BY created_at DESC, id')).map(
      rows.toAdminKey,
    );
  }

  async countAdminKeys(): Promise<number> {
    const row = await this.one('SELECT COUNT(*) AS n FROM admin_keys WHERE revoked_at IS NULL');
    return rows.num(row?.n);
  }

  async touchAdminKey(id: string, now: number): Promise<void> {
    await this.engine.run('UPDATE admin_keys SET last_used_at = $1 WHERE id = $2', [now, id]);
  }

  async revokeAdminKey(id: string, now: number, audit: AuditEntry): Promise<AdminKeyRecord | null> {
    return this.engine.write(async (tx) => {
      const row = await tx.one(
        'UPDATE admin_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *',
        [now, id],
      );
      if (!row) return null;
      await tx.run(
        'UPDATE console_sessions SET ended_at = $1 WHERE admin_key_id = $2 AND ended_at IS NULL',
        [now, id],
      );
      await this.audit(tx, audit);
      return rows.toAdminKey(row);
    });
  }

  // ── console sessions ──

  async createConsoleSession(session: ConsoleSessionRecord, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // One statement: the key's row is read live and share-locked, so a revocation either
      // committed first (the key reads revoked: nothing is inserted) or waits for this insert
      // and then ends the new session with the key's others.
      const inserted = await tx.run(
        `INSERT INTO console_sessions (token_hash, admin_key_id, created_at, last_seen_at, expires_at, ended_at)
         SELECT $1, id, $3, $4, $5, NULL FROM admin_keys WHERE id = $2 AND revoked_at IS NULL
         FOR SHARE`,
        [
          session.tokenHash,
          session.adminKeyId,
          session.createdAt,
          session.lastSeenAt,
          session.expiresAt,
        ],
      );
      if (inserted !== 1) return false;
      await this.audit(tx, audit);
      return true;
    });
  }

  async getConsoleSession(tokenHash: string): Promise<ConsoleSessionRecord | null> {
    const row = await this.one('SELECT * FROM console_sessions WHERE token_hash = $1', [tokenHash]);
    return row ? rows.toConsoleSession(row) : null;
  }

  async touchConsoleSession(tokenHash: string, now: number): Promise<void> {
    await this.engine.run(
      'UPDATE console_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND ended_at IS NULL',
      [now, tokenHash],
    );
  }

  async endConsoleSession(tokenHash: string, now: number, audit: AuditEntry): Promise<boolean> {
    return this.engine.write(async (tx) => {
      const ended = await tx.run(
        'UPDATE console_sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL',
        [now, tokenHash],
      );
      if (ended !== 1) return false;
      await this.audit(tx, audit);
      return true;
    });
  }

  // ── audit log ──

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.audit(this.engine, entry);
  }

  async listAudit(filter: { sessionId?: string } = {}): Promise<AuditRecord[]> {
    const found =
      filter.sessionId === undefined
        ? await this.all('SELECT * FROM audit_log ORDER BY id')
        : await this.all('SELECT * FROM audit_log WHERE session_id = $1 ORDER BY id', [
            filter.sessionId,
          ]);
    return found.map(rows.toAudit);
  }

  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    add('session_id = ?', query.sessionId);
    add('account_id = ?', query.accountId);
    add('card_id = ?', query.cardId);
    add('merchant_id = ?', query.merchantId);
    if (query.action?.endsWith('.')) {
      // A prefix ending in '.': exactly the range [prefix, prefix with '.' → '/') in byte order
      // (the column is COLLATE "C"), which the (action, id) index serves.
      add('action >= ?', query.action);
      add('action < ?', `${query.action.slice(0, -1)}/`);
    } else add('action = ?', query.action);
    add('at >= ?', query.since);
    add('at < ?', query.until);
    add('id < ?', query.beforeId);
    params.push(query.limit);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    return (await this.all(sql, params)).map(rows.toAudit);
  }

  // ── risk signals ──

  async riskSignals(q: RiskSignalQuery): Promise<RiskSignals> {
    // One statement: each signal asked for reads an index and stops at its cap.
    const statement = riskStatement(q.caps, (n) => `$${n}`);
    const row = await this.one(statement.text, riskParams(statement, q));
    return riskSignalsOf(statement, row ?? undefined, rows.num);
  }

  // ── signing keys ──

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (await this.all('SELECT * FROM signing_keys ORDER BY created_at')).map(
      rows.toSigningKey,
    );
  }

  async addSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.engine.run(
      'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, activated_at, retired_at) VALUES ($1, $2, $3, $4, NULL, NULL)',
      [key.kid, key.privateKey, JSON.stringify(key.publicJwk), key.createdAt],
    );
  }

  async activateSigningKey(
    kid: string,
    now: number,
    expectedCurrentKid: string | null,
  ): Promise<boolean> {
    return this.engine.write(async (tx) => {
      // Compare-and-set over the whole table: activations (rare) queue behind one another, so the
      // current key read here is still current when this one replaces it. Reads are not blocked.
      await tx.run('LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE');
      const current = await tx.one(
        'SELECT kid FROM signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL',
      );
      if ((current ? String(current.kid) : null) !== expectedCurrentKid) return false;
      // Retire first: the schema allows one current key at a time (signing_keys_one_current).
      await tx.run(
        'UPDATE signing_keys SET retired_at = $1 WHERE activated_at IS NOT NULL AND retired_at IS NULL AND kid <> $2',
        [now, kid],
      );
      const activated = await tx.run(
        'UPDATE signing_keys SET activated_at = $1 WHERE kid = $2 AND activated_at IS NULL AND retired_at IS NULL',
        [now, kid],
      );
      if (activated !== 1) throw new Rollback(false);
      return true;
    });
  }

  async setSigningKeyPrivate(kid: string, privateKey: string): Promise<void> {
    await this.engine.run('UPDATE signing_keys SET private_jwk = $1 WHERE kid = $2', [
      privateKey,
      kid,
    ]);
  }
}
