/**
 * The embedded store: one SQLite file (better-sqlite3), WAL, `synchronous = FULL` so that every
 * acknowledged change survives a crash or power loss. better-sqlite3 is synchronous, so each
 * transaction runs to completion without interleaving with other requests; the preconditions
 * inside each transaction make that safe across processes too (SQLite's write lock).
 */
import Database from 'better-sqlite3';
import type { ErrorCode, SessionStatus } from '../../protocol/index.js';
import { isTerminalSessionStatus } from '../../protocol/index.js';
import { MIGRATIONS } from './migrations.js';
import type {
  AccountRecord,
  Actor,
  AuditRecord,
  CardRecord,
  ChallengeRecord,
  CreateSessionResult,
  EnrollmentRecord,
  HandoffRecord,
  LedgerEntryRecord,
  MerchantRecord,
  Outcome,
  SessionEventRecord,
  SessionRecord,
  SettleInput,
  SigningKeyRecord,
  Store,
} from './types.js';

type Row = Record<string, unknown>;

const str = (value: unknown): string => String(value);
const num = (value: unknown): number => Number(value);
const strOrNull = (value: unknown): string | null => (value === null ? null : String(value));
const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value));

function toMerchant(row: Row): MerchantRecord {
  return {
    id: str(row.id),
    name: str(row.name),
    mode: row.mode === 'live' ? 'live' : 'test',
    secretKeyHash: str(row.secret_key_hash),
    allowedOrigins: JSON.parse(str(row.allowed_origins)) as string[],
    createdAt: num(row.created_at),
  };
}

function toAccount(row: Row): AccountRecord {
  return {
    id: str(row.id),
    displayName: str(row.display_name),
    userHandle: str(row.user_handle),
    monthlyLimit: num(row.monthly_limit),
    currency: str(row.currency),
    createdAt: num(row.created_at),
  };
}

function toEnrollment(row: Row): EnrollmentRecord {
  return {
    codeHash: str(row.code_hash),
    accountId: str(row.account_id),
    expiresAt: num(row.expires_at),
    challenge: strOrNull(row.challenge),
    usedAt: numOrNull(row.used_at),
    createdAt: num(row.created_at),
  };
}

function toCard(row: Row): CardRecord {
  return {
    id: str(row.id),
    accountId: str(row.account_id),
    credentialId: str(row.credential_id),
    publicKey: new Uint8Array(row.public_key as Buffer),
    counter: num(row.counter),
    transports: JSON.parse(str(row.transports)) as string[],
    aaguid: str(row.aaguid),
    attestationFormat: str(row.attestation_fmt),
    name: str(row.name),
    test: row.test === 1,
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
  };
}

function toSession(row: Row): SessionRecord {
  return {
    id: str(row.id),
    merchantId: str(row.merchant_id),
    status: str(row.status) as SessionStatus,
    amount: num(row.amount),
    currency: str(row.currency),
    orderId: str(row.order_id),
    description: str(row.description),
    metadata: JSON.parse(str(row.metadata)) as Record<string, string>,
    clientSecret: str(row.client_secret),
    bindingCode: str(row.binding_code),
    bindingChoices:
      row.binding_choices === null
        ? null
        : (JSON.parse(str(row.binding_choices)) as [string, string, string]),
    txn: str(row.txn),
    idempotencyKey: str(row.idempotency_key),
    requestHash: str(row.request_hash),
    phoneTokenHash: strOrNull(row.phone_token_hash),
    failedAttempts: num(row.failed_attempts),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    settlementId: strOrNull(row.settlement_id),
    settlementToken: strOrNull(row.settlement_token),
    errorCode: strOrNull(row.error_code) as ErrorCode | null,
    eventSeq: num(row.event_seq),
  };
}

function toHandoff(row: Row): HandoffRecord {
  return {
    codeHash: str(row.code_hash),
    sessionId: str(row.session_id),
    userCode: str(row.user_code),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    supersededAt: numOrNull(row.superseded_at),
    claimedAt: numOrNull(row.claimed_at),
  };
}

function toLedgerEntry(row: Row): LedgerEntryRecord {
  return {
    id: str(row.id),
    sessionId: str(row.session_id),
    merchantId: str(row.merchant_id),
    accountId: str(row.account_id),
    cardId: str(row.card_id),
    amount: num(row.amount),
    currency: str(row.currency),
    createdAt: num(row.created_at),
  };
}

function toAudit(row: Row): AuditRecord {
  return {
    id: num(row.id),
    at: num(row.at),
    actor: str(row.actor),
    action: str(row.action),
    sessionId: strOrNull(row.session_id),
    ip: strOrNull(row.ip),
    userAgent: strOrNull(row.user_agent),
    detail: JSON.parse(str(row.detail)) as Record<string, unknown>,
  };
}

/** Which refusal a session in `status` gives when a step needs another status. */
export function refusalFor(session: SessionRecord | null, now: number): ErrorCode {
  if (!session) return 'not_found';
  if (session.status === 'settled') return 'session_settled';
  if (session.status === 'declined') return 'session_declined';
  if (session.status === 'failed') return 'session_failed';
  if (session.status === 'cancelled') return 'session_cancelled';
  if (session.status === 'expired' || now >= session.expiresAt) return 'session_expired';
  return 'session_not_open';
}

/** Writes that share one COMMIT at most (bench/store-commit: 16 per commit cost ~90 us each). */
const GROUP_COMMIT_MAX = 32;

export interface SqliteStoreOptions {
  /** Path of the database file; `:memory:` for a throwaway store. */
  filename: string;
}

/** Opens (creating and migrating as needed) the SQLite store at `filename`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options.filename);
}

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly queue: {
    work: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  /** Applies every migration newer than the file's version, each in its own transaction. */
  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((row) =>
        num(row.version),
      ),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
      })();
    }
  }

  /** The schema version of the open file. */
  schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row;
    return num(row.v);
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private one(text: string, ...params: unknown[]): Row | undefined {
    return this.sql(text).get(...params) as Row | undefined;
  }

  private all(text: string, ...params: unknown[]): Row[] {
    return this.sql(text).all(...params) as Row[];
  }

  private run(text: string, ...params: unknown[]): Database.RunResult {
    return this.sql(text).run(...params);
  }

  async close(): Promise<void> {
    if (this.queue.length > 0) this.flush();
    this.db.close();
  }

  /**
   * Group commit: runs `work` in the next batch, one transaction for every write queued in this
   * turn of the event loop (each in its own savepoint, so one failing write does not undo the
   * others). Resolves only after the batch's COMMIT, so an acknowledged change is durable; a crash
   * before it loses only unacknowledged writes. Serial as ever: each write's preconditions are
   * checked inside the transaction, after the writes queued before it.
   */
  private write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // Wait up to 1 ms for company (one fsync for the lot), or commit at once at 32 writes.
      if (this.queue.length === 1) this.flushTimer = setTimeout(() => this.flush(), 1);
      else if (this.queue.length === GROUP_COMMIT_MAX) {
        clearTimeout(this.flushTimer);
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const op of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(op.work)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this batch was written.
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) op.resolve(outcome.value);
      else op.reject(outcome?.error);
    });
  }

  // ── merchants, admin keys, accounts, enrolments, cards ──

  async createMerchant(m: MerchantRecord): Promise<void> {
    await this.write(() =>
      this.run(
        'INSERT INTO merchants (id, name, mode, secret_key_hash, allowed_origins, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        m.id,
        m.name,
        m.mode,
        m.secretKeyHash,
        JSON.stringify(m.allowedOrigins),
        m.createdAt,
      ),
    );
  }

  async getMerchant(id: string): Promise<MerchantRecord | null> {
    const row = this.one('SELECT * FROM merchants WHERE id = ?', id);
    return row ? toMerchant(row) : null;
  }

  async findMerchantBySecretKeyHash(hash: string): Promise<MerchantRecord | null> {
    const row = this.one('SELECT * FROM merchants WHERE secret_key_hash = ?', hash);
    return row ? toMerchant(row) : null;
  }

  async setMerchantAllowedOrigins(id: string, allowedOrigins: string[]): Promise<void> {
    await this.write(() =>
      this.run(
        'UPDATE merchants SET allowed_origins = ? WHERE id = ?',
        JSON.stringify(allowedOrigins),
        id,
      ),
    );
  }

  async addAdminKey(hash: string, now: number): Promise<void> {
    await this.write(() =>
      this.run('INSERT OR IGNORE INTO admin_keys (key_hash, created_at) VALUES (?, ?)', hash, now),
    );
  }

  async hasAdminKey(hash: string): Promise<boolean> {
    return this.one('SELECT 1 FROM admin_keys WHERE key_hash = ?', hash) !== undefined;
  }

  async countAdminKeys(): Promise<number> {
    return num(this.one('SELECT COUNT(*) AS n FROM admin_keys')?.n);
  }

  async createAccount(a: AccountRecord): Promise<void> {
    await this.write(() =>
      this.run(
        'INSERT INTO accounts (id, display_name, user_handle, monthly_limit, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        a.id,
        a.displayName,
        a.userHandle,
        a.monthlyLimit,
        a.currency,
        a.createdAt,
      ),
    );
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const row = this.one('SELECT * FROM accounts WHERE id = ?', id);
    return row ? toAccount(row) : null;
  }

  async createEnrollment(e: EnrollmentRecord): Promise<void> {
    await this.write(() =>
      this.run(
        'INSERT INTO enrollments (code_hash, account_id, expires_at, challenge, used_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        e.codeHash,
        e.accountId,
        e.expiresAt,
        e.challenge,
        e.usedAt,
        e.createdAt,
      ),
    );
  }

  async getEnrollment(codeHash: string): Promise<EnrollmentRecord | null> {
    const row = this.one('SELECT * FROM enrollments WHERE code_hash = ?', codeHash);
    return row ? toEnrollment(row) : null;
  }

  async setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void> {
    await this.write(() =>
      this.run(
        'UPDATE enrollments SET challenge = ? WHERE code_hash = ? AND used_at IS NULL',
        challenge,
        codeHash,
      ),
    );
  }

  async completeEnrollment(codeHash: string, card: CardRecord, now: number): Promise<boolean> {
    return this.write(() => {
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
      return true;
    });
  }

  async listCards(accountId: string): Promise<CardRecord[]> {
    return this.all('SELECT * FROM cards WHERE account_id = ? ORDER BY created_at', accountId).map(
      toCard,
    );
  }

  async getCardByCredentialId(credentialId: string): Promise<CardRecord | null> {
    const row = this.one('SELECT * FROM cards WHERE credential_id = ?', credentialId);
    return row ? toCard(row) : null;
  }

  // ── sessions ──

  private getSessionSync(id: string): SessionRecord | null {
    const row = this.one('SELECT * FROM sessions WHERE id = ?', id);
    return row ? toSession(row) : null;
  }

  /** Appends the next event of a session and bumps its sequence; inside a transaction. */
  private appendEvent(
    sessionId: string,
    status: SessionStatus,
    errorCode: ErrorCode | null,
    now: number,
  ): void {
    this.run('UPDATE sessions SET event_seq = event_seq + 1 WHERE id = ?', sessionId);
    this.run(
      'INSERT INTO session_events (session_id, seq, status, error_code, created_at) SELECT id, event_seq, ?, ?, ? FROM sessions WHERE id = ?',
      status,
      errorCode,
      now,
      sessionId,
    );
  }

  private audit(
    actor: Actor,
    at: number,
    action: string,
    sessionId: string | null,
    detail: Record<string, unknown> = {},
  ): void {
    this.run(
      'INSERT INTO audit_log (at, actor, action, session_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      at,
      actor.actor,
      action,
      sessionId,
      actor.ip ?? null,
      actor.userAgent?.slice(0, 256) ?? null,
      JSON.stringify(detail),
    );
  }

  async createSession(s: SessionRecord, actor: Actor): Promise<CreateSessionResult> {
    return this.write((): CreateSessionResult => {
      const existing = this.one(
        'SELECT * FROM sessions WHERE merchant_id = ? AND idempotency_key = ?',
        s.merchantId,
        s.idempotencyKey,
      );
      if (existing) {
        const session = toSession(existing);
        return session.requestHash === s.requestHash
          ? { outcome: 'repeated', session }
          : { outcome: 'conflict' };
      }
      this.run(
        `INSERT INTO sessions (id, merchant_id, status, amount, currency, order_id, description, metadata,
           client_secret, binding_code, binding_choices, txn, idempotency_key, request_hash,
           phone_token_hash, failed_attempts, created_at, expires_at, settlement_id, settlement_token,
           error_code, event_seq)
         VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, 0, ?, ?, NULL, NULL, NULL, 0)`,
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
      this.appendEvent(s.id, 'open', null, s.createdAt);
      this.audit(actor, s.createdAt, 'session.created', s.id, {
        amount: s.amount,
        currency: s.currency,
        orderId: s.orderId,
      });
      return { outcome: 'created', session: { ...s, status: 'open', eventSeq: 1 } };
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return this.getSessionSync(id);
  }

  async getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null> {
    const row = this.one('SELECT * FROM sessions WHERE client_secret = ?', clientSecret);
    return row ? toSession(row) : null;
  }

  /**
   * The refusal for a session that is not in the state a step needs. With `audit`, the refused
   * attempt is written to the audit log in the same transaction: every loser of a race leaves a
   * trace.
   */
  private refuse(
    sessionId: string,
    now: number,
    audit?: { actor: Actor; action: string },
    reason?: ErrorCode,
  ): { ok: false; session: SessionRecord | null; reason: ErrorCode } {
    const session = this.getSessionSync(sessionId);
    const refusal = { ok: false as const, session, reason: reason ?? refusalFor(session, now) };
    if (audit && session) {
      this.audit(audit.actor, now, `${audit.action}.refused`, sessionId, {
        reason: refusal.reason,
        status: session.status,
      });
    }
    return refusal;
  }

  async createHandoff(h: HandoffRecord, now: number): Promise<Outcome<{ handoff: HandoffRecord }>> {
    return this.write((): Outcome<{ handoff: HandoffRecord }> => {
      const session = this.getSessionSync(h.sessionId);
      if (!session || session.status !== 'open' || now >= session.expiresAt) {
        return this.refuse(h.sessionId, now);
      }
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
    return row ? toHandoff(row) : null;
  }

  async listClaimedHandoffsByUserCode(userCode: string): Promise<HandoffRecord[]> {
    return this.all(
      'SELECT * FROM handoffs WHERE user_code = ? AND claimed_at IS NOT NULL ORDER BY claimed_at DESC LIMIT 20',
      userCode,
    ).map(toHandoff);
  }

  async findLiveHandoffByUserCode(userCode: string, now: number): Promise<HandoffRecord | null> {
    const row = this.one(
      'SELECT * FROM handoffs WHERE user_code = ? AND expires_at > ? AND superseded_at IS NULL AND claimed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      userCode,
      now,
    );
    return row ? toHandoff(row) : null;
  }

  async claimHandoff(input: {
    codeHash: string;
    phoneTokenHash: string;
    bindingChoices: [string, string, string];
    now: number;
    actor: Actor;
  }): Promise<Outcome<{ session: SessionRecord }>> {
    const { codeHash, phoneTokenHash, bindingChoices, now, actor } = input;
    return this.write((): Outcome<{ session: SessionRecord }> => {
      const row = this.one('SELECT * FROM handoffs WHERE code_hash = ?', codeHash);
      if (!row) return { ok: false, session: null, reason: 'not_found' };
      const handoff = toHandoff(row);
      const claim = { actor, action: 'handoff.claim' };
      if (handoff.claimedAt !== null) {
        return this.refuse(handoff.sessionId, now, claim, 'handoff_claimed');
      }
      if (handoff.supersededAt !== null || now >= handoff.expiresAt) {
        return this.refuse(handoff.sessionId, now, claim, 'handoff_expired');
      }
      const session = this.getSessionSync(handoff.sessionId);
      if (!session || session.status !== 'open' || now >= session.expiresAt) {
        return this.refuse(handoff.sessionId, now, claim);
      }
      this.run('UPDATE handoffs SET claimed_at = ? WHERE code_hash = ?', now, codeHash);
      this.run(
        "UPDATE sessions SET status = 'claimed', phone_token_hash = ?, binding_choices = ? WHERE id = ?",
        phoneTokenHash,
        JSON.stringify(bindingChoices),
        session.id,
      );
      this.appendEvent(session.id, 'claimed', null, now);
      this.audit(actor, now, 'session.claimed', session.id);
      return { ok: true, session: this.getSessionSync(session.id) ?? session };
    });
  }

  async storeChallenge(c: ChallengeRecord): Promise<void> {
    await this.write(() =>
      this.run(
        'INSERT INTO challenges (challenge, session_id, txn, expires_at, used_at) VALUES (?, ?, ?, ?, NULL)',
        c.challenge,
        c.sessionId,
        c.txn,
        c.expiresAt,
      ),
    );
  }

  async getChallenge(challenge: string): Promise<ChallengeRecord | null> {
    const row = this.one('SELECT * FROM challenges WHERE challenge = ?', challenge);
    return row
      ? {
          challenge: str(row.challenge),
          sessionId: str(row.session_id),
          txn: str(row.txn),
          expiresAt: num(row.expires_at),
          usedAt: numOrNull(row.used_at),
        }
      : null;
  }

  async recordFailedAttempt(input: {
    sessionId: string;
    reason: ErrorCode;
    maxAttempts: number;
    now: number;
    actor: Actor;
  }): Promise<SessionRecord | null> {
    const { sessionId, reason, maxAttempts, now, actor } = input;
    return this.write((): SessionRecord | null => {
      const session = this.getSessionSync(sessionId);
      if (!session) return null;
      this.audit(actor, now, 'approval.failed', sessionId, { reason });
      if (isTerminalSessionStatus(session.status)) return session;
      this.run('UPDATE sessions SET failed_attempts = failed_attempts + 1 WHERE id = ?', sessionId);
      if (session.failedAttempts + 1 >= maxAttempts) {
        this.run(
          "UPDATE sessions SET status = 'failed', error_code = 'session_failed' WHERE id = ?",
          sessionId,
        );
        this.appendEvent(sessionId, 'failed', 'session_failed', now);
        this.audit(actor, now, 'session.failed', sessionId, { reason: 'too_many_attempts' });
      }
      return this.getSessionSync(sessionId);
    });
  }

  async settle(input: SettleInput): Promise<Outcome<{ session: SessionRecord }>> {
    const { sessionId, challenge, now, actor } = input;
    return this.write((): Outcome<{ session: SessionRecord }> => {
      const session = this.getSessionSync(sessionId);
      if (!session || session.status !== 'claimed' || now >= session.expiresAt) {
        return this.refuse(sessionId, now, { actor, action: 'session.settle' });
      }
      const spent = this.run(
        'UPDATE challenges SET used_at = ? WHERE challenge = ? AND session_id = ? AND used_at IS NULL AND expires_at > ?',
        now,
        challenge,
        sessionId,
        now,
      );
      if (spent.changes !== 1) return { ok: false, session, reason: 'challenge_expired' };
      const spentThisMonth = num(
        this.one(
          'SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_entries WHERE account_id = ? AND currency = ? AND created_at >= ?',
          input.accountId,
          session.currency,
          input.monthStart,
        )?.total,
      );
      if (spentThisMonth + session.amount > input.monthlyLimit) {
        this.run(
          "UPDATE sessions SET status = 'failed', error_code = 'limit_exceeded' WHERE id = ?",
          sessionId,
        );
        this.appendEvent(sessionId, 'failed', 'limit_exceeded', now);
        this.audit(actor, now, 'session.failed', sessionId, {
          reason: 'limit_exceeded',
          spentThisMonth,
          monthlyLimit: input.monthlyLimit,
        });
        return { ok: false, session: this.getSessionSync(sessionId), reason: 'limit_exceeded' };
      }
      const counterMoved = this.run(
        'UPDATE cards SET counter = ?, last_used_at = ? WHERE id = ? AND (counter < ? OR (counter = 0 AND ? = 0))',
        input.newCounter,
        now,
        input.cardId,
        input.newCounter,
        input.newCounter,
      );
      if (counterMoved.changes !== 1)
        return { ok: false, session, reason: 'authentication_failed' };
      this.run(
        'INSERT INTO ledger_entries (id, session_id, merchant_id, account_id, card_id, amount, currency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        input.settlementId,
        sessionId,
        session.merchantId,
        input.accountId,
        input.cardId,
        session.amount,
        session.currency,
        now,
      );
      this.run(
        "UPDATE sessions SET status = 'settled', settlement_id = ?, settlement_token = ? WHERE id = ? AND status = 'claimed'",
        input.settlementId,
        input.token,
        sessionId,
      );
      this.appendEvent(sessionId, 'settled', null, now);
      this.audit(actor, now, 'session.settled', sessionId, {
        settlementId: input.settlementId,
        cardId: input.cardId,
        accountId: input.accountId,
      });
      return { ok: true, session: this.getSessionSync(sessionId) ?? session };
    });
  }

  async finish(input: {
    sessionId: string;
    from: readonly SessionStatus[];
    to: 'settled' | 'declined' | 'failed' | 'expired' | 'cancelled';
    errorCode?: ErrorCode;
    now: number;
    actor: Actor;
  }): Promise<Outcome<{ session: SessionRecord }>> {
    const { sessionId, from, to, now, actor } = input;
    return this.write((): Outcome<{ session: SessionRecord }> => {
      const session = this.getSessionSync(sessionId);
      // Only expiry may happen after the deadline.
      const late = to !== 'expired' && session !== null && now >= session.expiresAt;
      if (!session || !from.includes(session.status) || late) {
        // The sweeper losing to a payer is routine; people's refused steps are audited.
        const audit = actor.actor === 'system' ? undefined : { actor, action: `session.${to}` };
        return this.refuse(sessionId, now, audit);
      }
      this.run(
        'UPDATE sessions SET status = ?, error_code = ? WHERE id = ?',
        to,
        input.errorCode ?? null,
        sessionId,
      );
      this.appendEvent(sessionId, to, input.errorCode ?? null, now);
      this.audit(actor, now, `session.${to}`, sessionId, { from: session.status });
      return { ok: true, session: this.getSessionSync(sessionId) ?? session };
    });
  }

  async listExpiredSessionIds(now: number, limit: number): Promise<string[]> {
    return this.all(
      "SELECT id FROM sessions WHERE status IN ('open', 'claimed') AND expires_at <= ? LIMIT ?",
      now,
      limit,
    ).map((row) => str(row.id));
  }

  // ── events, ledger, audit ──

  async listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]> {
    return this.all(
      'SELECT * FROM session_events WHERE session_id = ? AND seq > ? ORDER BY seq',
      sessionId,
      seq,
    ).map((row) => ({
      sessionId: str(row.session_id),
      seq: num(row.seq),
      status: str(row.status) as SessionStatus,
      errorCode: strOrNull(row.error_code) as ErrorCode | null,
      createdAt: num(row.created_at),
    }));
  }

  async listLedgerEntries(filter: { sessionId?: string } = {}): Promise<LedgerEntryRecord[]> {
    const rows =
      filter.sessionId === undefined
        ? this.all('SELECT * FROM ledger_entries ORDER BY created_at')
        : this.all('SELECT * FROM ledger_entries WHERE session_id = ?', filter.sessionId);
    return rows.map(toLedgerEntry);
  }

  async sumLedger(accountId: string, currency: string, since: number): Promise<number> {
    return num(
      this.one(
        'SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_entries WHERE account_id = ? AND currency = ? AND created_at >= ?',
        accountId,
        currency,
        since,
      )?.total,
    );
  }

  async appendAudit(
    entry: {
      at: number;
      action: string;
      sessionId?: string;
      detail?: Record<string, unknown>;
    } & Actor,
  ): Promise<void> {
    await this.write(() =>
      this.audit(entry, entry.at, entry.action, entry.sessionId ?? null, entry.detail),
    );
  }

  async listAudit(filter: { sessionId?: string } = {}): Promise<AuditRecord[]> {
    const rows =
      filter.sessionId === undefined
        ? this.all('SELECT * FROM audit_log ORDER BY id')
        : this.all('SELECT * FROM audit_log WHERE session_id = ? ORDER BY id', filter.sessionId);
    return rows.map(toAudit);
  }

  // ── signing keys ──

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.all('SELECT * FROM signing_keys ORDER BY created_at').map((row) => ({
      kid: str(row.kid),
      privateJwk: JSON.parse(str(row.private_jwk)) as JsonWebKey,
      publicJwk: JSON.parse(str(row.public_jwk)) as JsonWebKey,
      createdAt: num(row.created_at),
      retiredAt: numOrNull(row.retired_at),
    }));
  }

  async rotateSigningKey(key: SigningKeyRecord, now: number): Promise<void> {
    await this.write(() => {
      this.run('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL', now);
      this.run(
        'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, NULL)',
        key.kid,
        JSON.stringify(key.privateJwk),
        JSON.stringify(key.publicJwk),
        key.createdAt,
      );
    });
  }
}
