/**
 * The issuer's storage interface. Every method that changes state is one atomic transaction that
 * re-checks its preconditions inside the transaction, so racing callers cannot both win. Methods
 * return promises so that a networked store (PostgreSQL with LISTEN/NOTIFY) can implement the
 * same interface; the embedded SQLite store answers synchronously underneath.
 *
 * Times are epoch milliseconds; the HTTP layer turns them into ISO 8601 strings.
 */
import type {
  ErrorCode,
  MerchantMode,
  SessionStatus,
  TerminalSessionStatus,
} from '../../protocol/index.js';

export interface MerchantRecord {
  id: string;
  name: string;
  mode: MerchantMode;
  secretKeyHash: string;
  allowedOrigins: string[];
  createdAt: number;
}

export interface AccountRecord {
  id: string;
  displayName: string;
  /** WebAuthn user handle (base64url), random, not the account id. */
  userHandle: string;
  monthlyLimit: number;
  currency: string;
  createdAt: number;
}

export interface EnrollmentRecord {
  codeHash: string;
  accountId: string;
  expiresAt: number;
  /** The challenge of the latest registration options, if any. */
  challenge: string | null;
  usedAt: number | null;
  createdAt: number;
}

export interface CardRecord {
  id: string;
  accountId: string;
  /** base64url credential id. */
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  aaguid: string;
  attestationFormat: string;
  name: string;
  /** A simulated (software) card: refused for live merchants. */
  test: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface SessionRecord {
  id: string;
  merchantId: string;
  status: SessionStatus;
  amount: number;
  currency: string;
  orderId: string;
  description: string;
  metadata: Record<string, string>;
  clientSecret: string;
  bindingCode: string;
  bindingChoices: [string, string, string] | null;
  /** `txn` hash of the canonical transaction. */
  txn: string;
  idempotencyKey: string;
  requestHash: string;
  phoneTokenHash: string | null;
  failedAttempts: number;
  createdAt: number;
  expiresAt: number;
  settlementId: string | null;
  settlementToken: string | null;
  errorCode: ErrorCode | null;
  /** Sequence number of the latest event. */
  eventSeq: number;
}

export interface HandoffRecord {
  codeHash: string;
  sessionId: string;
  userCode: string;
  createdAt: number;
  expiresAt: number;
  supersededAt: number | null;
  claimedAt: number | null;
}

export interface ChallengeRecord {
  challenge: string;
  sessionId: string;
  txn: string;
  expiresAt: number;
  usedAt: number | null;
}

export interface SessionEventRecord {
  sessionId: string;
  seq: number;
  status: SessionStatus;
  errorCode: ErrorCode | null;
  createdAt: number;
}

export interface LedgerEntryRecord {
  id: string;
  sessionId: string;
  merchantId: string;
  accountId: string;
  cardId: string;
  amount: number;
  currency: string;
  createdAt: number;
}

export interface SigningKeyRecord {
  kid: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  createdAt: number;
  retiredAt: number | null;
}

/** Who did something, and from where (for the audit log). */
export interface Actor {
  actor: string;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  action: string;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

/** Result of `createSession`: the new session, an idempotent repeat, or a conflict. */
export type CreateSessionResult =
  { outcome: 'created' | 'repeated'; session: SessionRecord } | { outcome: 'conflict' };

/** A state change that failed its precondition inside the transaction. */
export interface Refusal {
  ok: false;
  /** The session as it is now (for the error code), or null when it does not exist. */
  session: SessionRecord | null;
  reason: ErrorCode;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

export interface SettleInput {
  sessionId: string;
  challenge: string;
  cardId: string;
  accountId: string;
  newCounter: number;
  settlementId: string;
  token: string;
  now: number;
  /** Month window start for the limit check (epoch ms, UTC month start). */
  monthStart: number;
  /** Limit in the session's currency. */
  monthlyLimit: number;
  actor: Actor;
}

export interface Store {
  /** Closes the database; further calls fail. */
  close(): Promise<void>;

  // Merchants, admin keys, accounts, enrolments, cards
  createMerchant(merchant: MerchantRecord): Promise<void>;
  getMerchant(id: string): Promise<MerchantRecord | null>;
  findMerchantBySecretKeyHash(hash: string): Promise<MerchantRecord | null>;
  setMerchantAllowedOrigins(id: string, allowedOrigins: string[]): Promise<void>;
  addAdminKey(hash: string, now: number): Promise<void>;
  hasAdminKey(hash: string): Promise<boolean>;
  countAdminKeys(): Promise<number>;
  createAccount(account: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  createEnrollment(enrollment: EnrollmentRecord): Promise<void>;
  getEnrollment(codeHash: string): Promise<EnrollmentRecord | null>;
  setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void>;
  /** Stores the card and spends the enrolment code, if it is still unused and unexpired. */
  completeEnrollment(codeHash: string, card: CardRecord, now: number): Promise<boolean>;
  listCards(accountId: string): Promise<CardRecord[]>;
  getCardByCredentialId(credentialId: string): Promise<CardRecord | null>;

  // Sessions
  createSession(session: SessionRecord, actor: Actor): Promise<CreateSessionResult>;
  getSession(id: string): Promise<SessionRecord | null>;
  getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null>;
  /** Makes a new hand-off and kills earlier ones; the session must be open and unexpired. */
  createHandoff(handoff: HandoffRecord, now: number): Promise<Outcome<{ handoff: HandoffRecord }>>;
  getHandoff(codeHash: string): Promise<HandoffRecord | null>;
  /** Claimed hand-offs with this user code, newest first (the phone cookie picks the right one). */
  listClaimedHandoffsByUserCode(userCode: string): Promise<HandoffRecord[]>;
  /** The live (unexpired, unsuperseded, unclaimed) hand-off with this user code. */
  findLiveHandoffByUserCode(userCode: string, now: number): Promise<HandoffRecord | null>;
  /** Binds a phone: hand-off live and unclaimed, session open → claimed. */
  claimHandoff(input: {
    codeHash: string;
    phoneTokenHash: string;
    bindingChoices: [string, string, string];
    now: number;
    actor: Actor;
  }): Promise<Outcome<{ session: SessionRecord }>>;
  storeChallenge(challenge: ChallengeRecord): Promise<void>;
  getChallenge(challenge: string): Promise<ChallengeRecord | null>;
  /** Counts a failed approval; the `maxAttempts`-th moves the session to `failed`. */
  recordFailedAttempt(input: {
    sessionId: string;
    reason: ErrorCode;
    maxAttempts: number;
    now: number;
    actor: Actor;
  }): Promise<SessionRecord | null>;
  /**
   * Settles exactly once: session claimed and unexpired, challenge unused and bound to it, monthly
   * limit respected; then writes the ledger entry, the token and the event in one transaction.
   */
  settle(input: SettleInput): Promise<Outcome<{ session: SessionRecord }>>;
  /** Moves a session from one of `from` to terminal `to` (decline, cancel, expire). */
  finish(input: {
    sessionId: string;
    from: readonly SessionStatus[];
    to: TerminalSessionStatus;
    errorCode?: ErrorCode;
    now: number;
    actor: Actor;
  }): Promise<Outcome<{ session: SessionRecord }>>;
  /** Ids of non-terminal sessions whose expiry has passed. */
  listExpiredSessionIds(now: number, limit: number): Promise<string[]>;

  // Events, ledger, audit
  listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]>;
  listLedgerEntries(filter?: { sessionId?: string }): Promise<LedgerEntryRecord[]>;
  sumLedger(accountId: string, currency: string, since: number): Promise<number>;
  appendAudit(
    entry: {
      at: number;
      action: string;
      sessionId?: string;
      detail?: Record<string, unknown>;
    } & Actor,
  ): Promise<void>;
  listAudit(filter?: { sessionId?: string }): Promise<AuditRecord[]>;

  // Signing keys
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds `key` as current and retires the previous current key, in one transaction. */
  rotateSigningKey(key: SigningKeyRecord, now: number): Promise<void>;
}
