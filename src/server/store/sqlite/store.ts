/**
 * The embedded store: SQLite (see `database.ts` for durability and the group commit). Every
 * method that changes state is one conditional write; a refused write throws `Refused` inside its
 * savepoint, so nothing of it remains, and reports which condition failed.
 */
import type { ErrorCode, SessionStatus } from '../../../protocol/index.js';
import type {
  AuditEntry,
  ApprovalRecords,
  ChallengeRecord,
  ClaimInput,
  CreateSessionResult,
  FailedAttemptInput,
  FinishInput,
  HandoffRecord,
  LedgerEntryRecord,
  Outcome,
  SessionEventRecord,
  SessionRecord,
  SettleInput,
  Store,
} from '../types.js';
import { Refused } from './database.js';
import * as rows from './rows.js';
import { SqliteOutbox } from './webhooks.js';

export interface SqliteStoreOptions {
  /** Path of the database file; `:memory:` for a throwaway store. */
  filename: string;
}

/** Opens (creating and migrating as needed) the SQLite store at `filename`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options.filename);
}

const SESSION_RETURNING = 'RETURNING *';

export class SqliteStore extends SqliteOutbox implements Store {
  // ── sessions ──

  /** Records event `seq` of a session (the caller has already set `event_seq` to it). */
  private insertEvent(
    sessionId: string,
    seq: number,
    status: SessionStatus,
    errorCode: ErrorCode | null,
    now: number,
  ): void {
    this.run(
      'INSERT INTO session_events (session_id, seq, status, error_code, created_at) VALUES (?, ?, ?, ?, ?)',
      sessionId,
      seq,
      status,
      errorCode,
      now,
    );
  }

  async createSession(s: SessionRecord, audit: AuditEntry): Promise<CreateSessionResult> {
    return this.engine.write((): CreateSessionResult => {
      const inserted = this.run(
        `INSERT INTO sessions (id, merchant_id, status, amount, currency, order_id, description, metadata,
           client_secret, binding_code, txn, idempotency_key, request_hash,
           phone_token_hash, failed_attempts, created_at, expires_at, settlement_id, settlement_token,
           error_code, event_seq)
         VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, NULL, NULL, NULL, 1)
         ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
        s.id,
        s.merchantId,
        s.amount,
        s.currency,
        s.orderId,
        s.description,
        JSON.stringify(s.metadata),
        s.clientSecret,
        s.bindingCode,
        s.txn,
        s.idempotencyKey,
        s.requestHash,
        s.createdAt,
        s.expiresAt,
      );
      if (inserted.changes === 0) {
        const existing = this.one(
          'SELECT * FROM sessions WHERE merchant_id = ? AND idempotency_key = ?',
          s.merchantId,
          s.idempotencyKey,
        );
        if (!existing) throw new Error('createSession: insert ignored without a conflicting row');
        const session = rows.toSession(existing);
        return session.requestHash === s.requestHash
          ? { outcome: 'repeated', session }
          : { outcome: 'conflict' };
      }
      this.insertEvent(s.id, 1, 'open', null, s.createdAt);
      this.audit(audit);
      return { outcome: 'created', session: { ...s, status: 'open', eventSeq: 1 } };
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return this.getSessionSync(id);
  }

  async getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null> {
    const row = this.one('SELECT * FROM sessions WHERE client_secret = ?', clientSecret);
    return row ? rows.toSession(row) : null;
  }

  async createHandoff(
    h: HandoffRecord,
    now: number,
    pageNetwork: string | null = null,
  ): Promise<Outcome<{ handoff: HandoffRecord }>> {
    return this.engine.write((): Outcome<{ handoff: HandoffRecord }> => {
      const live = this.run(
        "UPDATE sessions SET page_network = COALESCE(?, page_network) WHERE id = ? AND status = 'open' AND expires_at > ?",
        pageNetwork,
        h.sessionId,
        now,
      );
      if (live.changes !== 1) throw new Refused('session_state', h.sessionId);
      this.run(
        'UPDATE handoffs SET superseded_at = ? WHERE session_id = ? AND superseded_at IS NULL',
        now,
        h.sessionId,
      );
      this.run(
        'INSERT INTO handoffs (code_hash, session_id, user_code, created_at, expires_at, superseded_at, claimed_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)',
        h.codeHash,
        h.sessionId,
        h.userCode,
        h.createdAt,
        h.expiresAt,
      );
      return { ok: true, handoff: h };
    });
  }

  async getHandoff(codeHash: string): Promise<HandoffRecord | null> {
    const row = this.one('SELECT * FROM handoffs WHERE code_hash = ?', codeHash);
    return row ? rows.toHandoff(row) : null;
  }

  async listClaimedHandoffsByUserCode(userCode: string): Promise<HandoffRecord[]> {
    return this.all(
      'SELECT * FROM handoffs WHERE user_code = ? AND claimed_at IS NOT NULL ORDER BY claimed_at DESC LIMIT 20',
      userCode,
    ).map(rows.toHandoff);
  }

  async findLiveHandoffByUserCode(userCode: string, now: number): Promise<HandoffRecord | null> {
    const row = this.one(
      'SELECT * FROM handoffs WHERE user_code = ? AND expires_at > ? AND superseded_at IS NULL AND claimed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      userCode,
      now,
    );
    return row ? rows.toHandoff(row) : null;
  }

  async claimHandoff(input: ClaimInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { codeHash, now } = input;
    return this.engine.write((): Outcome<{ session: SessionRecord }> => {
      const handoff = this.getHandoffRow(codeHash);
      if (!handoff) throw new Refused('session_state', null);
      if (handoff.claimedAt !== null) throw new Refused('handoff_claimed', handoff.sessionId);
      // Superseded first: a replaced code is usually past its 60 s too, but "replaced" is news
      // the payer can act on (the shop's screen shows the newer code).
      if (handoff.supersededAt !== null) throw new Refused('handoff_superseded', handoff.sessionId);
      if (now >= handoff.expiresAt) throw new Refused('handoff_expired', handoff.sessionId);
      const row = this.one(
        `UPDATE sessions SET status = 'claimed', phone_token_hash = ?, event_seq = event_seq + 1
         WHERE id = ? AND status = 'open' AND expires_at > ? ${SESSION_RETURNING}`,
        input.phoneTokenHash,
        handoff.sessionId,
        now,
      );
      if (!row) throw new Refused('session_state', handoff.sessionId);
      const session = rows.toSession(row);
      this.run('UPDATE handoffs SET claimed_at = ? WHERE code_hash = ?', now, codeHash);
      this.insertEvent(session.id, session.eventSeq, 'claimed', null, now);
      this.audit(input.audit);
      return { ok: true, session };
    });
  }

  private getHandoffRow(codeHash: string): HandoffRecord | null {
    const row = this.one('SELECT * FROM handoffs WHERE code_hash = ?', codeHash);
    return row ? rows.toHandoff(row) : null;
  }

  async storeChallenge(c: ChallengeRecord, now: number): Promise<void> {
    await this.engine.write(() => {
      this.run(
        'UPDATE challenges SET used_at = ? WHERE session_id = ? AND used_at IS NULL',
        now,
        c.sessionId,
      );
      this.run(
        'INSERT INTO challenges (challenge, session_id, txn, expires_at, used_at) VALUES (?, ?, ?, ?, NULL)',
        c.challenge,
        c.sessionId,
        c.txn,
        c.expiresAt,
      );
    });
  }

  async getChallenge(challenge: string): Promise<ChallengeRecord | null> {
    const row = this.one('SELECT * FROM challenges WHERE challenge = ?', challenge);
    return row ? rows.toChallenge(row) : null;
  }

  async getApprovalRecords(challenge: string, credentialId: string): Promise<ApprovalRecords> {
    const card = await this.getCardByCredentialId(credentialId);
    return {
      challenge: await this.getChallenge(challenge),
      card,
      account: card ? await this.getAccount(card.accountId) : null,
    };
  }

  async recordFailedAttempt(
    input: FailedAttemptInput,
  ): Promise<{ session: SessionRecord; failedNow: boolean } | null> {
    const { sessionId, maxAttempts, now } = input;
    return this.engine.write(() => {
      const row = this.one(
        `UPDATE sessions SET failed_attempts = failed_attempts + 1
         WHERE id = ? AND status IN ('open', 'claimed') ${SESSION_RETURNING}`,
        sessionId,
      );
      if (!row) {
        const session = this.getSessionSync(sessionId);
        return session ? { session, failedNow: false } : null;
      }
      const counted = rows.toSession(row);
      if (counted.failedAttempts < maxAttempts) return { session: counted, failedNow: false };
      const failed = rows.toSession(
        this.one(
          `UPDATE sessions SET status = 'failed', error_code = 'session_failed', event_seq = event_seq + 1
           WHERE id = ? ${SESSION_RETURNING}`,
          sessionId,
        ) as rows.Row,
      );
      this.insertEvent(sessionId, failed.eventSeq, 'failed', 'session_failed', now);
      this.insertWebhookEvent(input.webhook);
      this.audit(input.audit);
      return { session: failed, failedNow: true };
    });
  }

  async settle(input: SettleInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { sessionId, now, card, limit } = input;
    return this.engine.write((): Outcome<{ session: SessionRecord }> => {
      const row = this.one(
        `UPDATE sessions SET status = 'settled', settlement_id = ?, settlement_token = ?,
           event_seq = event_seq + 1
         WHERE id = ? AND status = 'claimed' AND expires_at > ? ${SESSION_RETURNING}`,
        input.settlementId,
        input.token,
        sessionId,
        now,
      );
      if (!row) throw new Refused('session_state', sessionId);
      const session = rows.toSession(row);
      const spent = this.run(
        'UPDATE challenges SET used_at = ? WHERE challenge = ? AND session_id = ? AND used_at IS NULL AND expires_at > ?',
        now,
        input.challenge,
        sessionId,
        now,
      );
      if (spent.changes !== 1) throw new Refused('challenge_spent', sessionId);
      const moved = this.run(
        `UPDATE cards SET counter = ?, last_used_at = ?
         WHERE id = ? AND counter = ? AND revoked_at IS NULL AND (activates_at IS NULL OR activates_at <= ?)`,
        card.newCounter,
        now,
        card.id,
        card.expectedCounter,
        now,
      );
      if (moved.changes !== 1) {
        const live = this.one(
          'SELECT 1 FROM cards WHERE id = ? AND revoked_at IS NULL AND (activates_at IS NULL OR activates_at <= ?)',
          card.id,
          now,
        );
        throw new Refused(live ? 'counter_moved' : 'card_inactive', sessionId);
      }
      if (
        this.one('SELECT 1 FROM accounts WHERE id = ? AND frozen_at IS NOT NULL', limit.accountId)
      ) {
        throw new Refused('account_frozen', sessionId);
      }
      const total = this.limitUsed(limit.accountId, limit.since);
      if (total + limit.amount > limit.max) throw new Refused('over_limit', sessionId);
      this.run(
        'INSERT INTO ledger_entries (id, session_id, merchant_id, account_id, card_id, amount, currency, limit_amount, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        input.settlementId,
        sessionId,
        session.merchantId,
        limit.accountId,
        card.id,
        session.amount,
        session.currency,
        limit.amount,
        now,
      );
      if (session.phoneTokenHash) {
        // The accounts each phone paid for (the risk policy's shared-phone count).
        this.run(
          `INSERT INTO phone_accounts (phone_token_hash, account_id, last_paid_at) VALUES (?, ?, ?)
           ON CONFLICT DO UPDATE SET last_paid_at = MAX(last_paid_at, excluded.last_paid_at)`,
          session.phoneTokenHash,
          limit.accountId,
          now,
        );
      }
      this.insertEvent(sessionId, session.eventSeq, 'settled', null, now);
      this.insertWebhookEvent(input.webhook);
      this.audit(input.audit);
      return { ok: true, session };
    });
  }

  async finish(input: FinishInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { sessionId, from, to, now } = input;
    return this.engine.write((): Outcome<{ session: SessionRecord }> => {
      const statuses = from.map(() => '?').join(', ');
      const row = this.one(
        `UPDATE sessions SET status = ?, error_code = ?, event_seq = event_seq + 1
         WHERE id = ? AND status IN (${statuses}) AND expires_at > ? ${SESSION_RETURNING}`,
        to,
        input.errorCode,
        sessionId,
        ...from,
        input.unexpiredAt ?? Number.MIN_SAFE_INTEGER,
      );
      if (!row) throw new Refused('session_state', sessionId);
      const session = rows.toSession(row);
      this.insertEvent(sessionId, session.eventSeq, to, input.errorCode, now);
      this.insertWebhookEvent(input.webhook);
      this.audit(input.audit);
      return { ok: true, session };
    });
  }

  async listExpiredSessionIds(now: number, limit: number): Promise<string[]> {
    return this.all(
      "SELECT id FROM sessions WHERE status IN ('open', 'claimed') AND expires_at <= ? LIMIT ?",
      now,
      limit,
    ).map((row) => String(row.id));
  }

  // ── events, ledger, audit ──

  async listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]> {
    return this.all(
      'SELECT * FROM session_events WHERE session_id = ? AND seq > ? ORDER BY seq',
      sessionId,
      seq,
    ).map(rows.toEvent);
  }

  async listLedgerEntries(filter: { sessionId?: string } = {}): Promise<LedgerEntryRecord[]> {
    const found =
      filter.sessionId === undefined
        ? this.all('SELECT * FROM ledger_entries ORDER BY created_at')
        : this.all('SELECT * FROM ledger_entries WHERE session_id = ?', filter.sessionId);
    return found.map(rows.toLedgerEntry);
  }
}
