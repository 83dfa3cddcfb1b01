/**
 * The store's contract: the conditional writes every store offers, their inputs, and how a write
 * reports a condition that did not hold. The records are in `types.ts`, which re-exports this.
 */
import type { ErrorCode, SessionStatus, TerminalSessionStatus } from '../../protocol/index.js';
import type {
  AccountPatch,
  ApprovalRecords,
  ApprovingAccount,
  AccountRecord,
  AdminKeyRecord,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  CardRecord,
  ChallengeRecord,
  ConsoleSessionRecord,
  EnrollmentRecord,
  HandoffRecord,
  LedgerEntryRecord,
  MerchantKeyRecord,
  MerchantPatch,
  MerchantRecord,
  PushSubscriptionRecord,
  RefundRecord,
  RecoveryCodeRecord,
  RiskSignalQuery,
  RiskSignals,
  SessionEventRecord,
  SessionRecord,
  SigningKeyRecord,
  VapidKeyRecord,
  WebhookAttemptRecord,
  WebhookEventInput,
  WebhookEventRecord,
  WebhookSecretRecord,
} from './types.js';

export { StoreUnavailableError } from './errors.js';

import type {
  ClaimWebhookEventsInput,
  CreateRefundResult,
  DeviceEnrollmentInput,
  DeviceEnrollmentResult,
  RefundInput,
  UseRecoveryCodeInput,
  UseRecoveryCodeResult,
  WebhookAttemptInput,
} from './contract-inputs.js';

export type * from './contract-inputs.js';

/** Result of `createMerchant`: stored, or refused (nothing written) since the name key is taken. */
export type CreateMerchantResult = { ok: true } | { ok: false; conflict: 'name_taken' };

/** Result of `updateMerchant`: the merchant after it, and whether the offered secret was added. */
export type UpdateMerchantResult =
  | { ok: true; merchant: MerchantRecord; webhookSecretAdded: boolean }
  | { ok: false; conflict: 'name_taken' | 'not_found' };

/** Result of `savePushSubscription`. */
export interface SavePushSubscriptionResult {
  /** False when a subscription with this endpoint existed and was refreshed. */
  created: boolean;
  /** How many of the account's least recently updated subscriptions were deleted to make room. */
  evicted: number;
}

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
  /** A newer hand-off of the same session superseded this code (checked before expiry). */
  | 'handoff_superseded'
  /** The hand-off code is past its deadline. */
  | 'handoff_expired'
  /** The challenge is used, expired, or belongs to another session. */
  | 'challenge_spent'
  /** The card's signature counter is no longer the value the caller read. */
  | 'counter_moved'
  /** The month's total plus this amount would pass the given maximum. */
  | 'over_limit'
  /** The card was revoked, or is still pending. */
  | 'card_inactive'
  /** The account is frozen. */
  | 'account_frozen';

/** A conditional write that did not happen; nothing was written. */
export interface Refusal {
  ok: false;
  conflict: Conflict;
  /** The session as it is now, or null when it does not exist. */
  session: SessionRecord | null;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

/**
 * The webhook event a write may carry (`SettleInput`, `FinishInput`, `FailedAttemptInput`,
 * `RefundInput`): written in the write's transaction only if the write happens **and** the
 * event's merchant has a webhook URL at that moment; otherwise dropped. Never a reason to refuse.
 */
export type WithWebhookEvent = { webhook?: WebhookEventInput };

export interface SettleInput extends WithWebhookEvent {
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
   * The account's limit amounts since `since`, less what refunds of payments made since `since`
   * gave back (`RefundRecord.limitAmount` by `paymentAt`), plus `amount` (this payment in the
   * account's currency, recorded as the entry's `limitAmount`), must stay ≤ `max`.
   */
  limit: { accountId: string; since: number; amount: number; max: number };
  settlementId: string;
  token: string;
  now: number;
  audit: AuditEntry;
}

export interface FinishInput extends WithWebhookEvent {
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

export interface FailedAttemptInput extends WithWebhookEvent {
  sessionId: string;
  /** The attempt that reaches this count moves a live session to `failed`. */
  maxAttempts: number;
  now: number;
  /** Written when the session fails (so is `webhook`). */
  audit: AuditEntry;
}

export interface Store {
  /** Closes the database; further calls fail. */
  close(): Promise<void>;

  // Merchants and their keys
  /**
   * Stores the merchant with its first secret key and its audit row, only if no merchant has its
   * `nameKey`.
   */
  createMerchant(
    merchant: MerchantRecord,
    key: MerchantKeyRecord,
    audit: AuditEntry,
  ): Promise<CreateMerchantResult>;
  getMerchant(id: string): Promise<MerchantRecord | null>;
  /** Newest first. */
  listMerchants(): Promise<MerchantRecord[]>;
  /** The merchant whose unexpired secret key has this hash. */
  findMerchantBySecretKeyHash(hash: string, now: number): Promise<MerchantRecord | null>;
  /**
   * Changes a merchant, only if a new `nameKey` is not another merchant's. With `webhookSecret`,
   * also adds that secret in the same transaction, only if the merchant has no secret unexpired
   * at the secret's `createdAt` (`webhookSecretAdded` says whether it did).
   */
  updateMerchant(
    id: string,
    patch: MerchantPatch,
    audit: AuditEntry,
    options?: { webhookSecret?: WebhookSecretRecord },
  ): Promise<UpdateMerchantResult>;
  /**
   * Adds a secret key and makes every other key of the merchant expire at `othersExpireAt`
   * (keys already expiring sooner keep their time). False when there is no such merchant.
   */
  rollMerchantKey(
    key: MerchantKeyRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean>;
  listMerchantKeys(merchantId: string): Promise<MerchantKeyRecord[]>;
  /**
   * Adds a webhook secret and makes every other secret of the merchant expire at
   * `othersExpireAt` (secrets already expiring sooner keep their time). False when there is no
   * such merchant.
   */
  rollWebhookSecret(
    secret: WebhookSecretRecord,
    othersExpireAt: number,
    audit: AuditEntry,
  ): Promise<boolean>;
  /** Every webhook secret of the merchant, expired ones too, newest first. */
  listWebhookSecrets(merchantId: string): Promise<WebhookSecretRecord[]>;
  /** Replaces the stored form of a secret (sealing it at rest). */
  setWebhookSecretValue(id: string, secret: string): Promise<void>;

  // Admin keys and console sessions
  /** Adds an admin key unless its hash is there already (then writes nothing); whether it did. */
  createAdminKey(key: AdminKeyRecord, audit: AuditEntry): Promise<boolean>;
  findAdminKeyByHash(hash: string): Promise<AdminKeyRecord | null>;
  listAdminKeys(): Promise<AdminKeyRecord[]>;
  countAdminKeys(): Promise<number>;
  /** Records a use (callers throttle it, to spare writes). */
  touchAdminKey(id: string, now: number): Promise<void>;
  /** Revokes the key and ends its console sessions; null when missing or already revoked. */
  revokeAdminKey(id: string, now: number, audit: AuditEntry): Promise<AdminKeyRecord | null>;
  /** Starts a console session, only if its admin key exists and is not revoked; whether it did. */
  createConsoleSession(session: ConsoleSessionRecord, audit: AuditEntry): Promise<boolean>;
  getConsoleSession(tokenHash: string): Promise<ConsoleSessionRecord | null>;
  touchConsoleSession(tokenHash: string, now: number): Promise<void>;
  /** Ends a live session; false when it was not live. */
  endConsoleSession(tokenHash: string, now: number, audit: AuditEntry): Promise<boolean>;

  // Accounts, enrolments, cards
  createAccount(account: AccountRecord, audit: AuditEntry): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  /** Newest first; matches an id prefix or a part of the name key (either, when both given). */
  listAccounts(filter: {
    idPrefix?: string;
    nameKeyPart?: string;
    limit: number;
  }): Promise<AccountRecord[]>;
  updateAccount(id: string, patch: AccountPatch, audit: AuditEntry): Promise<AccountRecord | null>;
  /**
   * What the account's ledger counted against its limit since `since`, less what refunds of the
   * payments made since `since` gave back (whenever they were made).
   */
  limitUsedSince(accountId: string, since: number): Promise<number>;
  createEnrollment(enrollment: EnrollmentRecord, audit: AuditEntry): Promise<void>;
  getEnrollment(codeHash: string): Promise<EnrollmentRecord | null>;
  /** Records the latest registration challenge of an unused code. */
  setEnrollmentChallenge(codeHash: string, challenge: string): Promise<void>;
  /**
   * Stores the card and spends the code, only if the code is still unused and unexpired. With
   * `recoveryCodeHashes`, also stores them as the account's recovery codes, in the same write,
   * when the account has none yet (two first cards at once: one set is kept; `getRecoveryCode`
   * tells whose).
   */
  completeEnrollment(
    codeHash: string,
    card: CardRecord,
    now: number,
    audit: AuditEntry,
    recoveryCodeHashes?: readonly string[],
  ): Promise<boolean>;
  getRecoveryCode(codeHash: string): Promise<RecoveryCodeRecord | null>;
  /** How many recovery codes the account was given, and how many are unused. */
  countRecoveryCodes(accountId: string): Promise<{ issued: number; unused: number }>;
  /**
   * Spends a recovery code on one use, in one write: freezes its account, or makes a recovery
   * enrolment. Refused (nothing written) when the code is unknown or was used.
   */
  useRecoveryCode(input: UseRecoveryCodeInput): Promise<UseRecoveryCodeResult>;
  /** Keeps a challenge for a second device's approval (and drops expired ones). */
  storeDeviceChallenge(challenge: string, expiresAt: number, now: number): Promise<void>;
  /** A second card's enrolment approved by an active card: see `DeviceEnrollmentInput`. */
  createDeviceEnrollment(input: DeviceEnrollmentInput): Promise<DeviceEnrollmentResult>;
  listCards(accountId: string): Promise<CardRecord[]>;
  getCard(id: string): Promise<CardRecord | null>;
  getCardByCredentialId(credentialId: string): Promise<CardRecord | null>;
  /** Revokes a card that is not revoked yet; null otherwise. */
  revokeCard(id: string, now: number, audit: AuditEntry): Promise<CardRecord | null>;

  // Sessions, hand-offs, challenges
  /** Creates the session (with its `open` event), or finds the one made with the same key. */
  createSession(session: SessionRecord, audit: AuditEntry): Promise<CreateSessionResult>;
  getSession(id: string): Promise<SessionRecord | null>;
  getSessionByClientSecret(clientSecret: string): Promise<SessionRecord | null>;
  /** Adds a hand-off and supersedes earlier ones; the session must be open and unexpired. */
  createHandoff(
    handoff: HandoffRecord,
    now: number,
    pageNetwork?: string | null,
  ): Promise<Outcome<{ handoff: HandoffRecord }>>;
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
   * The challenge, the card with `credentialId` and that card's account, as `getChallenge`,
   * `getCardByCredentialId` and `getAccount` would return them: the records a confirmation
   * starts from, in one round trip on a networked store.
   */
  getApprovalRecords(challenge: string, credentialId: string): Promise<ApprovalRecords>;
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

  // Refunds
  /**
   * Refunds part of a settled session: first an idempotent repeat (same merchant and key: the
   * stored refund if the request hash is the same, else `conflict`); then only if the session is
   * the refund's merchant's and `settled`, its refunds still sum to `expectedRefunded`, and
   * that plus this amount stays ≤ `maxTotal`. Writes the refund, its audit row and its webhook
   * event in one transaction; refused, writes nothing.
   */
  createRefund(input: RefundInput): Promise<CreateRefundResult>;
  /** A session's refunds, oldest first. */
  listRefunds(sessionId: string): Promise<RefundRecord[]>;

  // Webhook outbox
  /**
   * Claims up to `limit` pending events due at `now` whose lease has ended (or that have none),
   * oldest due first, leasing them to `lockToken` until `lockedUntil`: with several processes
   * each event is claimed by one at a time (SQLite: one `UPDATE … RETURNING`; PostgreSQL:
   * `SELECT … FOR UPDATE SKIP LOCKED`).
   */
  claimWebhookEvents(input: ClaimWebhookEventsInput): Promise<WebhookEventRecord[]>;
  /**
   * Records an attempt (always: it happened) and counts it; if the event is still leased to
   * `lockToken`, also applies the outcome and ends the lease. Returns whether it did.
   */
  recordWebhookAttempt(input: WebhookAttemptInput): Promise<boolean>;
  getWebhookEvent(id: string): Promise<WebhookEventRecord | null>;
  /** A merchant's events, newest first (by id); `beforeId` continues a page. */
  listWebhookEvents(query: {
    merchantId: string;
    beforeId?: string;
    limit: number;
  }): Promise<WebhookEventRecord[]>;
  /** The attempts of these events, oldest first per event. */
  listWebhookAttempts(eventIds: readonly string[]): Promise<WebhookAttemptRecord[]>;
  /**
   * Makes an event pending and due at `now` (the same id), whatever its status; a claim in
   * flight keeps its lease but can no longer change the event's status. Null when missing.
   */
  redeliverWebhookEvent(
    id: string,
    now: number,
    audit: AuditEntry,
  ): Promise<WebhookEventRecord | null>;

  // Events, ledger, audit
  listEventsAfter(sessionId: string, seq: number): Promise<SessionEventRecord[]>;
  listLedgerEntries(filter?: { sessionId?: string }): Promise<LedgerEntryRecord[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Oldest first (tests and tools). */
  listAudit(filter?: { sessionId?: string }): Promise<AuditRecord[]>;
  /** Counts the risk policy weighs for one approval (docs/operations.md "Risk policy"). */
  riskSignals(query: RiskSignalQuery): Promise<RiskSignals>;
  /** Newest first, filtered and paged (the admin API). */
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;

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

  // Web Push (docs/operations.md "Notifications (Web Push)")
  /**
   * Adds the subscription, or refreshes the one with the same endpoint (account, keys and
   * `updatedAt` from `sub`; `createdAt` and `lastSuccessAt` stay), then deletes that account's
   * least recently updated subscriptions beyond `maxPerAccount`; writes `audit` with it.
   */
  savePushSubscription(
    sub: PushSubscriptionRecord,
    maxPerAccount: number,
    audit: AuditEntry,
  ): Promise<SavePushSubscriptionResult>;
  /** The account's subscriptions, least recently updated first. */
  listPushSubscriptions(accountId: string): Promise<PushSubscriptionRecord[]>;
  /**
   * Deletes the subscription with this endpoint, only if its key is still `p256dh` (one
   * subscribed again meanwhile stays), writing `audit` with it; whether it did.
   */
  deletePushSubscription(endpoint: string, p256dh: string, audit: AuditEntry): Promise<boolean>;
  /** Records that a push service accepted a message for this endpoint at `now`. */
  markPushDelivered(endpoint: string, now: number): Promise<void>;
  /**
   * The issuer's VAPID key pair: stores `candidate` when there is none yet, and answers whichever
   * key is stored (a racing process's, if it won).
   */
  ensureVapidKey(candidate: VapidKeyRecord): Promise<VapidKeyRecord>;
  /** Replaces the stored private key (sealing it) only if it is still `expected`; whether it did. */
  replaceVapidPrivateKey(expected: string, privateKey: string): Promise<boolean>;
  /**
   * The account (and card) whose approval a session identified: its ledger entry's when settled,
   * else the newest `session.failed` audit row of the session that names an account (a refusal
   * for a limit, a frozen account, risk or currency); null when none.
   */
  approvingAccount(sessionId: string): Promise<ApprovingAccount | null>;
}

/**
 * What a store shared by several issuer processes offers besides `Store` (the PostgreSQL store):
 * events from every process, token buckets every process counts in, and a lock that lets one
 * process at a time do a singleton job (the expiry sweeper).
 */
export interface SharedStoreFeatures {
  /**
   * Calls `onEvent` with every session event committed by any process; after a lost connection
   * is back, calls `onReconnect` (events may have been missed: read them from the table).
   * Resolves with the function that stops listening.
   */
  subscribeEvents(
    onEvent: (event: SessionEventRecord) => void,
    onReconnect: () => void,
  ): Promise<() => Promise<void>>;
  /**
   * Calls `onChange` with the id of every merchant whose record or keys any process changed, as
   * the change commits; `onReconnect` after a lost connection is back (changes may have been
   * missed: forget every cached merchant). Resolves with the function that stops listening.
   * Optional: without it, a process trusts its cached merchants for their short lifetime.
   */
  subscribeMerchantChanges?(
    onChange: (merchantId: string) => void,
    onReconnect: () => void,
  ): Promise<() => Promise<void>>;
  /** Token bucket `key`: 0 when one token was taken, else the seconds to wait. */
  takeRateToken(
    key: string,
    rule: { perMinute: number; burst: number },
    now: number,
  ): Promise<number>;
  /** Like `takeRateToken`, without taking one. */
  peekRateToken(
    key: string,
    rule: { perMinute: number; burst: number },
    now: number,
  ): Promise<number>;
  /** Drops buckets untouched since `olderThan` (epoch ms). */
  sweepRateBuckets(olderThan: number): Promise<void>;
  /** Runs `fn` only if this process holds the named lock meanwhile; else answers undefined. */
  withTryAdvisoryLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
}

/** The store's shared features, when it has them (a store several processes use at once). */
export function sharedFeatures(store: Store): SharedStoreFeatures | null {
  const candidate = store as Partial<SharedStoreFeatures>;
  return typeof candidate.subscribeEvents === 'function' &&
    typeof candidate.takeRateToken === 'function' &&
    typeof candidate.withTryAdvisoryLock === 'function'
    ? (store as unknown as SharedStoreFeatures)
    : null;
}
