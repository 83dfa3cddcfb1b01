/**
 * The session lifecycle of the PostgreSQL store: creation (idempotent), hand-offs and claims,
 * challenges, failed attempts, settlement and the final statuses. Every method that changes state
 * is one conditional write; a refused write throws `Refused`, its transaction is rolled back, and
 * it reports which condition failed.
 *
 * Row locks, always taken in this order so that two writes cannot wait on each other: the session
 * (every write that changes a session, its hand-offs, challenges or events locks its row first),
 * then its challenge, the card, the account. Lock mode FOR NO KEY UPDATE is what an UPDATE of
 * non-key columns takes; it leaves foreign-key checks (FOR KEY SHARE) of other inserts unblocked.
 */
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
} from '../types.js';
import { auditValues } from './base.js';
import { Refused, type Tx } from './database.js';
import { PgOutbox } from './webhooks.js';
import * as rows from './rows.js';

/** `dualpay_settle`'s 26 parameters. */
const SETTLE_PARAMS = Array.from({ length: 26 }, (_, i) => `$${i + 1}`).join(', ');

const LOCK_SESSION = 'SELECT * FROM sessions WHERE id = $1 FOR NO KEY UPDATE';

export class PgSessions extends PgOutbox {
  async createSession(s: SessionRecord, audit: AuditEntry): Promise<CreateSessionResult> {
    return this.engine.write(async (tx): Promise<CreateSessionResult> => {
      // A racing request with the same key waits here for the other transaction: when it
      // commits, this insert does nothing and the read below (a new snapshot) finds its session.
      const inserted = await tx.run(
        `INSERT INTO sessions (id, merchant_id, status, amount, currency, order_id, description,
           metadata, client_secret, binding_code, txn, idempotency_key, request_hash,
           phone_token_hash, failed_attempts, created_at, expires_at, settlement_id,
           settlement_token, error_code, event_seq)
         VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, 0, $13, $14,
           NULL, NULL, NULL, 1)
         ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
        [
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
        ],
      );
      if (inserted === 0) {
        const existing = await tx.one(
          'SELECT * FROM sessions WHERE merchant_id = $1 AND idempotency_key = $2',
          [s.merchantId, s.idempotencyKey],
        );
        if (!existing) throw new Error('createSession: insert ignored without a conflicting row');
        const session = rows.toSession(existing);
        return session.requestHash === s.requestHash
          ? { outcome: 'repeated', session }
          : { outcome: 'conflict' };
      }
      await this.insertEvent(tx, s.id, 1, 'open', null, s.createdAt);
      await this.audit(tx, audit);
      return { outcome: 'created', session: { ...s, status: 'open', eventSeq: 1 } };
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return this.readSession(this.engine, id);
  }

  async getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null> {
    const row = await this.one('SELECT * FROM sessions WHERE client_secret = $1', [clientSecret]);
    return row ? rows.toSession(row) : null;
  }

  async createHandoff(
    h: HandoffRecord,
    now: number,
    pageNetwork: string | null = null,
  ): Promise<Outcome<{ handoff: HandoffRecord }>> {
    return this.engine.write(async (tx): Promise<Outcome<{ handoff: HandoffRecord }>> => {
      // Locks the session (the UPDATE's row lock): hand-offs of one session are made one at a
      // time, so each supersedes the one made before it (two at once would each miss the other's).
      const live = await tx.run(
        "UPDATE sessions SET page_network = COALESCE($3, page_network) WHERE id = $1 AND status = 'open' AND expires_at > $2",
        [h.sessionId, now, pageNetwork],
      );
      if (live !== 1) throw new Refused('session_state', h.sessionId);
      await tx.run(
        'UPDATE handoffs SET superseded_at = $1 WHERE session_id = $2 AND superseded_at IS NULL',
        [now, h.sessionId],
      );
      await tx.run(
        'INSERT INTO handoffs (code_hash, session_id, user_code, created_at, expires_at, superseded_at, claimed_at) VALUES ($1, $2, $3, $4, $5, NULL, NULL)',
        [h.codeHash, h.sessionId, h.userCode, h.createdAt, h.expiresAt],
      );
      return { ok: true, handoff: h };
    });
  }

  async getHandoff(codeHash: string): Promise<HandoffRecord | null> {
    const row = await this.one('SELECT * FROM handoffs WHERE code_hash = $1', [codeHash]);
    return row ? rows.toHandoff(row) : null;
  }

  async listClaimedHandoffsByUserCode(userCode: string): Promise<HandoffRecord[]> {
    return (
      await this.all(
        'SELECT * FROM handoffs WHERE user_code = $1 AND claimed_at IS NOT NULL ORDER BY claimed_at DESC LIMIT 20',
        [userCode],
      )
    ).map(rows.toHandoff);
  }

  async findLiveHandoffByUserCode(userCode: string, now: number): Promise<HandoffRecord | null> {
    const row = await this.one(
      'SELECT * FROM handoffs WHERE user_code = $1 AND expires_at > $2 AND superseded_at IS NULL AND claimed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      [userCode, now],
    );
    return row ? rows.toHandoff(row) : null;
  }

  async claimHandoff(input: ClaimInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { codeHash, now } = input;
    return this.engine.write(async (tx): Promise<Outcome<{ session: SessionRecord }>> => {
      // The code names its session (a column never changed); lock the session first, as every
      // hand-off write does, then read the code as it is now: of racing phones, the first to get
      // the lock claims, the others then find the code claimed.
      const code = await tx.one('SELECT session_id FROM handoffs WHERE code_hash = $1', [codeHash]);
      if (!code) throw new Refused('session_state', null);
      await tx.one(LOCK_SESSION, [code.session_id]);
      const handoff = await this.handoffIn(tx, codeHash);
      if (!handoff) throw new Refused('session_state', null);
      if (handoff.claimedAt !== null) throw new Refused('handoff_claimed', handoff.sessionId);
      if (handoff.supersededAt !== null) {
        throw new Refused('handoff_superseded', handoff.sessionId);
      }
      if (now >= handoff.expiresAt) throw new Refused('handoff_expired', handoff.sessionId);
      const row = await tx.one(
        `UPDATE sessions SET status = 'claimed', phone_token_hash = $1, event_seq = event_seq + 1
         WHERE id = $2 AND status = 'open' AND expires_at > $3 RETURNING *`,
        [input.phoneTokenHash, handoff.sessionId, now],
      );
      if (!row) throw new Refused('session_state', handoff.sessionId);
      const session = rows.toSession(row);
      await tx.run('UPDATE handoffs SET claimed_at = $1 WHERE code_hash = $2', [now, codeHash]);
      await this.insertEvent(tx, session.id, session.eventSeq, 'claimed', null, now);
      await this.audit(tx, input.audit);
      return { ok: true, session };
    });
  }

  private async handoffIn(tx: Tx, codeHash: string): Promise<HandoffRecord | null> {
    const row = await tx.one('SELECT * FROM handoffs WHERE code_hash = $1', [codeHash]);
    return row ? rows.toHandoff(row) : null;
  }

  async storeChallenge(c: ChallengeRecord, now: number): Promise<void> {
    await this.engine.write(async (tx) => {
      // One live challenge per session: challenges of a session are stored one at a time.
      await tx.one(LOCK_SESSION, [c.sessionId]);
      await tx.run('UPDATE challenges SET used_at = $1 WHERE session_id = $2 AND used_at IS NULL', [
        now,
        c.sessionId,
      ]);
      await tx.run(
        'INSERT INTO challenges (challenge, session_id, txn, expires_at, used_at) VALUES ($1, $2, $3, $4, NULL)',
        [c.challenge, c.sessionId, c.txn, c.expiresAt],
      );
    });
  }

  async getChallenge(challenge: string): Promise<ChallengeRecord | null> {
    const row = await this.one('SELECT * FROM challenges WHERE challenge = $1', [challenge]);
    return row ? rows.toChallenge(row) : null;
  }

  async getApprovalRecords(challenge: string, credentialId: string): Promise<ApprovalRecords> {
    // Each row as JSON (one statement, one round trip), turned back into the row pg would give.
    const row = await this.one(
      `SELECT
         (SELECT to_jsonb(ch) FROM challenges ch WHERE ch.challenge = $1) AS challenge,
         (SELECT to_jsonb(c) FROM cards c WHERE c.credential_id = $2) AS card,
         (SELECT to_jsonb(a) FROM accounts a
            WHERE a.id = (SELECT account_id FROM cards WHERE credential_id = $2)) AS account`,
      [challenge, credentialId],
    );
    const of = (key: string) => (row?.[key] ?? null) as rows.Row | null;
    const card = of('card');
    const challengeRow = of('challenge');
    const account = of('account');
    return {
      challenge: challengeRow ? rows.toChallenge(challengeRow) : null,
      card: card ? rows.toCard({ ...card, public_key: rows.byteaFromJson(card.public_key) }) : null,
      account: account ? rows.toAccount(account) : null,
    };
  }

  async recordFailedAttempt(
    input: FailedAttemptInput,
  ): Promise<{ session: SessionRecord; failedNow: boolean } | null> {
    const { sessionId, maxAttempts, now } = input;
    return this.engine.write(async (tx) => {
      const row = await tx.one(
        `UPDATE sessions SET failed_attempts = failed_attempts + 1
         WHERE id = $1 AND status IN ('open', 'claimed') RETURNING *`,
        [sessionId],
      );
      if (!row) {
        const session = await this.readSession(tx, sessionId);
        return session ? { session, failedNow: false } : null;
      }
      const counted = rows.toSession(row);
      if (counted.failedAttempts < maxAttempts) return { session: counted, failedNow: false };
      const failed = rows.toSession(
        (await tx.one(
          `UPDATE sessions SET status = 'failed', error_code = 'session_failed', event_seq = event_seq + 1
           WHERE id = $1 RETURNING *`,
          [sessionId],
        )) as rows.Row,
      );
      await this.insertEvent(tx, sessionId, failed.eventSeq, 'failed', 'session_failed', now);
      await this.insertWebhookEvent(tx, input.webhook);
      await this.audit(tx, input.audit);
      return { session: failed, failedNow: true };
    });
  }

  async settle(input: SettleInput): Promise<Outcome<{ session: SessionRecord }>> {
    // One call of the settlement function (settle-function.ts): its writes commit together, or
    // its refusal rolls them all back.
    const { card, limit, webhook, audit } = input;
    const answer = await this.engine.writeOne(
      `SELECT * FROM dualpay_settle(${SETTLE_PARAMS})`,
      [
        input.sessionId,
        input.settlementId,
        input.token,
        input.now,
        input.challenge,
        card.id,
        card.expectedCounter,
        card.newCounter,
        limit.accountId,
        limit.since,
        limit.amount,
        limit.max,
        webhook?.id ?? null,
        webhook?.type ?? null,
        webhook?.payload ?? null,
        webhook?.createdAt ?? null,
        ...auditValues(audit),
      ],
      input.sessionId,
    );
    return answer.ok ? { ok: true, session: rows.toSession(answer.row) } : answer;
  }

  async finish(input: FinishInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { sessionId, from, to, now } = input;
    return this.engine.write(async (tx): Promise<Outcome<{ session: SessionRecord }>> => {
      const row = await tx.one(
        `UPDATE sessions SET status = $1, error_code = $2, event_seq = event_seq + 1
         WHERE id = $3 AND status = ANY($4::text[]) AND expires_at > $5 RETURNING *`,
        [to, input.errorCode, sessionId, from, input.unexpiredAt ?? Number.MIN_SAFE_INTEGER],
      );
      if (!row) throw new Refused('session_state', sessionId);
      const session = rows.toSession(row);
      await this.insertEvent(tx, sessionId, session.eventSeq, to, input.errorCode, now);
      await this.insertWebhookEvent(tx, input.webhook);
      await this.audit(tx, input.audit);
      return { ok: true, session };
    });
  }

  async listExpiredSessionIds(now: number, limit: number): Promise<string[]> {
    return (
      await this.all(
        "SELECT id FROM sessions WHERE status IN ('open', 'claimed') AND expires_at <= $1 LIMIT $2",
        [now, limit],
      )
    ).map((row) => String(row.id));
  }

  // ── events, ledger ──

  async listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]> {
    return (
      await this.all(
        'SELECT * FROM session_events WHERE session_id = $1 AND seq > $2 ORDER BY seq',
        [sessionId, seq],
      )
    ).map(rows.toEvent);
  }

  async listLedgerEntries(filter: { sessionId?: string } = {}): Promise<LedgerEntryRecord[]> {
    const found =
      filter.sessionId === undefined
        ? await this.all('SELECT * FROM ledger_entries ORDER BY created_at')
        : await this.all('SELECT * FROM ledger_entries WHERE session_id = $1', [filter.sessionId]);
    return found.map(rows.toLedgerEntry);
  }
}
