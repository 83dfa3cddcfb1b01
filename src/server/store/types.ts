/**
 * The issuer's storage interface: records, and **conditional writes**. Every method that changes
 * state is one atomic transaction that checks its conditions inside that transaction and reports
 * what happened, so racing callers cannot both win and a refused write leaves nothing behind. The
 * store holds no business rules: the domain (`src/server/domain/`) decides what is allowed (limits,
 * the signature-counter rule, which error a refusal becomes, what a refusal audits) and passes the
 * resulting conditions in. Each change that succeeds writes its audit row in the same transaction.
 *
 * Methods return promises so that a networked store can implement the same interface; the
 * conformance suite (`test/server/store/conformance.ts`) states the guarantees every store keeps.
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
  /**
   * The name's comparison key, computed by the domain (`merchantNameKey`,
   * `src/server/domain/merchant-names.ts`); unique among merchants.
   */
  nameKey: string;
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
  /** COSE public key, as registered. */
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
  /** What the entry counts against the account's monthly limit, in the account's currency. */
  limitAmount: number;
  createdAt: number;
}

export interface SigningKeyRecord {
  kid: string;
  /** The private JWK as JSON, or sealed (`enc:v1:…`) under the key-encryption key. */
  privateKey: string;
  publicJwk: JsonWebKey;
  createdAt: number;
  /** When it became the current (signing) key; null while it is the published next key. */
  activatedAt: number | null;
  retiredAt: number | null;
}

/** Who did something, and from where (for the audit log). */
export interface Actor {
  actor: string;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** One row for the audit log, as the domain describes it. */
export interface AuditEntry extends Actor {
  at: number;
  action: string;
  sessionId?: string | undefined;
  detail?: Record<string, unknown> | undefined;
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

/** Result of `createMerchant`: stored, or refused (nothing written) since the name key is taken. */
export type CreateMerchantResult = { ok: true } | { ok: false; conflict: 'name_taken' };

/** Result of `createSession`: the new session, an idempotent repeat, or a conflict. */
export type CreateSessionResult =
  { outcome: 'created' | 'repeated'; session: SessionRecord } | { outcome: 'conflict' };

/**
 * Which condition of a conditional write did not hold. The store only reports it; the domain
 * turns it into an error code.
 */
export type Conflict =
  /** The session is missing, not in a status the write needs, or past its deadline. */
  | 'session_state'
  /** The hand-off code was already claimed. */
  | 'handoff_claimed'
  /** The hand-off code was superseded by a newer one or has expired. */
  | 'handoff_dead'
  /** The challenge is used, expired, or belongs to another session. */
  | 'challenge_spent'
  /** The card's signature counter is no longer the value the caller read. */
  | 'counter_moved'
  /** The month's total plus this amount would pass the given maximum. */
  | 'over_limit';

/** A conditional write that did not happen; nothing was written. */
export interface Refusal {
  ok: false;
  conflict: Conflict;
  /** The session as it is now, or null when it does not exist. */
  session: SessionRecord | null;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

export interface SettleInput {
  sessionId: string;
  /** Spent by this settlement; must be unused, unexpired and bound to the session. */
  challenge: string;
  card: {
    id: string;
    /** The counter the caller read; the write happens only if it is still this (no lost update). */
    expectedCounter: number;
    newCounter: number;
  };
  /**
   * The account's limit amounts since `since`, plus `amount` (this payment in the account's
   * currency, recorded as the entry's `limitAmount`), must stay ≤ `max`.
   */
  limit: { accountId: string; since: number; amount: number; max: number };
  settlementId: string;
  token: string;
  now: number;
  audit: AuditEntry;
}

export interface FinishInput {
  sessionId: string;
  /** The session must be in one of these statuses. */
  from: readonly SessionStatus[];
  to: TerminalSessionStatus;
  errorCode: ErrorCode | null;
  /** When set, the session must also be unexpired at this time. */
  unexpiredAt?: number;
  now: number;
  audit: AuditEntry;
}

export interface ClaimInput {
  codeHash: string;
  phoneTokenHash: string;
  now: number;
  audit: AuditEntry;
}

export interface FailedAttemptInput {
  sessionId: string;
  /** The attempt that reaches this count moves a live session to `failed`. */
  maxAttempts: number;
  now: number;
  /** Written when the session fails. */
  audit: AuditEntry;
}

export interface Store {
  /** Closes the database; further calls fail. */
  close(): Promise<void>;

  // Merchants and admin keys
  /** Stores the merchant and its audit row, only if no merchant has its `nameKey`. */
  createMerchant(merchant: MerchantRecord, audit: AuditEntry): Promise<CreateMerchantResult>;
  getMerchant(id: string): Promise<MerchantRecord | null>;
  findMerchantBySecretKeyHash(hash: string): Promise<MerchantRecord | null>;
  /** Replaces the merchant's allowed origins; null when there is no such merchant. */
  setMerchantAllowedOrigins(
    id: string,
    allowedOrigins: string[],
    audit: AuditEntry,
  ): Promise<MerchantRecord | null>;
  addAdminKey(hash: string, now: number): Promise<void>;
  hasAdminKey(hash: string): Promise<boolean>;
  countAdminKeys(): Promise<number>;

  // Accounts, enrolments, cards
  createAccount(account: AccountRecord, audit: AuditEntry): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  createEnrollment(enrollment: EnrollmentRecord, audit: AuditEntry): Promise<void>;
  getEnrollment(codeHash: string): Promise<EnrollmentRecord | null>;
  /** Records the latest registration challenge of an unused code. */
  setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void>;
  /** Stores the card and spends the code, only if the code is still unused and unexpired. */
  completeEnrollment(
    codeHash: string,
    card: CardRecord,
    now: number,
    audit: AuditEntry,
  ): Promise<boolean>;
  listCards(accountId: string): Promise<CardRecord[]>;
  getCardByCredentialId(credentialId: string): Promise<CardRecord | null>;

  // Sessions, hand-offs, challenges
  /** Creates the session (with its `open` event), or finds the one made with the same key. */
  createSession(session: SessionRecord, audit: AuditEntry): Promise<CreateSessionResult>;
  getSession(id: string): Promise<SessionRecord | null>;
  getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null>;
  /** Adds a hand-off and supersedes earlier ones; the session must be open and unexpired. */
  createHandoff(handoff: HandoffRecord, now: number): Promise<Outcome<{ handoff: HandoffRecord }>>;
  getHandoff(codeHash: string): Promise<HandoffRecord | null>;
  /** Claimed hand-offs with this user code, newest first (the phone cookie picks the right one). */
  listClaimedHandoffsByUserCode(userCode: string): Promise<HandoffRecord[]>;
  /** The live (unexpired, unsuperseded, unclaimed) hand-off with this user code. */
  findLiveHandoffByUserCode(userCode: string, now: number): Promise<HandoffRecord | null>;
  /** Binds a phone: hand-off live and unclaimed, session open and unexpired → `claimed`. */
  claimHandoff(input: ClaimInput): Promise<Outcome<{ session: SessionRecord }>>;
  /** Stores a fresh challenge and spends every earlier unused one of its session. */
  storeChallenge(challenge: ChallengeRecord, now: number): Promise<void>;
  getChallenge(challenge: string): Promise<ChallengeRecord | null>;
  /**
   * Counts a failed approval of a live session; the `maxAttempts`-th moves it to `failed`. Returns
   * the session after the write (unchanged when it was already final), or null when missing.
   */
  recordFailedAttempt(
    input: FailedAttemptInput,
  ): Promise<{ session: SessionRecord; failedNow: boolean } | null>;
  /**
   * Settles exactly once: session claimed and unexpired, challenge spendable, counter unchanged,
   * limit respected; then spends the challenge, moves the counter, writes the ledger entry, the
   * token, the event and the audit row, all in one transaction.
   */
  settle(input: SettleInput): Promise<Outcome<{ session: SessionRecord }>>;
  /** Moves a session from one of `from` to terminal `to` (decline, cancel, expire, fail). */
  finish(input: FinishInput): Promise<Outcome<{ session: SessionRecord }>>;
  /** Ids of non-terminal sessions whose expiry has passed. */
  listExpiredSessionIds(now: number, limit: number): Promise<string[]>;

  // Events, ledger, audit
  listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]>;
  listLedgerEntries(filter?: { sessionId?: string }): Promise<LedgerEntryRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(filter?: { sessionId?: string }): Promise<AuditRecord[]>;

  // Signing keys
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key (a next key: published, not yet signing). */
  addSigningKey(key: SigningKeyRecord): Promise<void>;
  /**
   * Makes `kid` (a next key) the current key and retires the current one, in one transaction,
   * only if the current key is still `expectedCurrentKid` (null: there is none). Returns whether
   * it did.
   */
  activateSigningKey(kid: string, now: number, expectedCurrentKid: string | null): Promise<boolean>;
  /** Replaces the stored private half of a key (sealing it at rest). */
  setSigningKeyPrivate(kid: string, privateKey: string): Promise<void>;
}
