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
import type { ErrorCode, MerchantMode, SessionStatus } from '../../protocol/index.js';

export interface MerchantRecord {
  id: string;
  name: string;
  /**
   * The name's comparison key, computed by the domain (`merchantNameKey`,
   * `src/server/domain/merchant-names.ts`); unique among merchants.
   */
  nameKey: string;
  mode: MerchantMode;
  allowedOrigins: string[];
  /** Where webhook events are POSTed (checked by the domain); null: the merchant gets none. */
  webhookUrl: string | null;
  createdAt: number;
}

/** One secret key of a merchant (stored as its hash); a roll gives the old one an expiry. */
export interface MerchantKeyRecord {
  keyHash: string;
  merchantId: string;
  /** The key's visible prefix (`sk_test_`, `sk_live_`), for operators telling keys apart. */
  prefix: string;
  createdAt: number;
  /** When it stops working; null: until the next roll. */
  expiresAt: number | null;
}

/** What an operator recorded of the face-to-face ID check before creating an account. */
export interface IdCheckRecord {
  documentType: string;
  /** The last 2–4 characters of the document number: never the whole number. */
  numberEnding: string;
  note: string;
  /** The label of the admin key that recorded it. */
  checkedBy: string;
  checkedAt: number;
}

export interface AccountRecord {
  id: string;
  displayName: string;
  /** The display name's search key (the domain's `textKey`). */
  nameKey: string;
  /** WebAuthn user handle (base64url), random, not the account id. */
  userHandle: string;
  monthlyLimit: number;
  currency: string;
  /** When an operator (or the payer, with a recovery code) froze it; null: not frozen. */
  frozenAt: number | null;
  idCheck: IdCheckRecord | null;
  createdAt: number;
}

/** A change to an account; absent fields stay. */
export interface AccountPatch {
  displayName?: string;
  nameKey?: string;
  monthlyLimit?: number;
  frozenAt?: number | null;
}

/** A change to a merchant; absent fields stay. */
export interface MerchantPatch {
  name?: string;
  nameKey?: string;
  mode?: MerchantMode;
  allowedOrigins?: string[];
  /** null removes it. */
  webhookUrl?: string | null;
}

/** An admin key (stored as its hash), named after the person or system holding it. */
export interface AdminKeyRecord {
  id: string;
  keyHash: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A signed-in operator's console session (the cookie's token, stored as its hash). */
export interface ConsoleSessionRecord {
  tokenHash: string;
  adminKeyId: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end; the idle end is `lastSeenAt` plus the idle time. */
  expiresAt: number;
  endedAt: number | null;
}

/**
 * Who made an enrolment: the issuer's desk (an operator after an ID check), a recovery code
 * (the card stays pending through a cooling-off), or an active card of the account (a second
 * device, approved by that card).
 */
export type EnrollmentPurpose = 'desk' | 'recovery' | 'device';

export interface EnrollmentRecord {
  codeHash: string;
  accountId: string;
  expiresAt: number;
  /** The challenge of the latest registration options, if any. */
  challenge: string | null;
  usedAt: number | null;
  createdAt: number;
  purpose: EnrollmentPurpose;
  /** The card it makes is `pending` until then (a recovery enrolment's cooling-off); else null. */
  activatesAt: number | null;
}

/** One of an account's one-time recovery codes, by the SHA-256 of its normalized form. */
export interface RecoveryCodeRecord {
  codeHash: string;
  accountId: string;
  createdAt: number;
  usedAt: number | null;
  usedFor: 'freeze' | 'enrollment' | null;
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
  /** A test card (no trusted attestation chain): refused for live merchants. */
  test: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  /** When an operator revoked it; its assertions are refused from then on. */
  revokedAt: number | null;
  /** A card enrolled by recovery is pending until this time (epoch ms); null: active. */
  activatesAt: number | null;
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
  /** The network (IPv4 /24, IPv6 /48) the merchant page asked for its latest hand-off from. */
  pageNetwork: string | null;
}

/** What the risk policy asks the store about one approval (counts over windows, from the ledger). */
export interface RiskSignalQuery {
  accountId: string;
  cardId: string;
  merchantId: string;
  /** The approving phone's cookie hash (several accounts paying from one phone). */
  phoneTokenHash: string | null;
  /** Window starts, epoch ms: a short one (a burst) and a long one (a day). */
  shortSince: number;
  longSince: number;
  /**
   * What to read, each signal with its cap: a count stops there (`min(count, cap)`), since the
   * policy needs to know only whether a threshold was passed and a busy account must not make
   * every approval slower. `accountAmountShort` sums at most `cap` payments;
   * `accountLargestAmount` takes any cap. A signal not asked for is not read and comes back `null`.
   */
  caps: Partial<Record<RiskSignalName, number>>;
}

/**
 * Counts for one approval, each at most its cap, `null` when not asked for; settled payments are
 * ledger entries.
 */
export interface RiskSignals {
  /** The account's settled payments in each window, and their sum in the account currency. */
  accountPaymentsShort: number | null;
  accountPaymentsLong: number | null;
  accountAmountShort: number | null;
  /** The account's failed approvals (audit `approval.failed`) in the short window. */
  accountFailuresShort: number | null;
  /** The card's settled payments in the short window, and its failed approvals in the long one. */
  cardPaymentsShort: number | null;
  cardFailuresLong: number | null;
  /** The account's settled payments before now, and the largest of them (account currency). */
  accountPaymentsEver: number | null;
  accountLargestAmount: number | null;
  /** The account's payments to this merchant before (0: a new merchant for this payer). */
  merchantPaymentsEver: number | null;
  /** Other accounts with a payment approved from this phone (its cookie) in the long window. */
  phoneOtherAccountsLong: number | null;
}

export type RiskSignalName = keyof RiskSignals;

export interface HandoffRecord {
  codeHash: string;
  sessionId: string;
  userCode: string;
  createdAt: number;
  expiresAt: number;
  supersededAt: number | null;
  claimedAt: number | null;
}

/** What an approval names, read together (each null when there is none). */
export interface ApprovalRecords {
  challenge: ChallengeRecord | null;
  /** The card with the assertion's credential id, and its account. */
  card: CardRecord | null;
  account: AccountRecord | null;
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

/**
 * A refund of a settled session. Refunds of a session never sum past its amount; each gives back
 * its share of the payment's `limitAmount` to the month of the payment (`paymentAt`).
 */
export interface RefundRecord {
  id: string;
  sessionId: string;
  merchantId: string;
  accountId: string;
  amount: number;
  currency: string;
  /**
   * What the refund gives back to the account's monthly limit, in the account's currency: its
   * share of the payment's ledger `limitAmount` (the domain computes it).
   */
  limitAmount: number;
  /** When the refunded payment was made: the refund lowers the usage counted since then. */
  paymentAt: number;
  reason: string | null;
  /** Unique per merchant, with the request's hash (idempotent repeats). */
  idempotencyKey: string;
  requestHash: string;
  createdAt: number;
}

/** A merchant's webhook signing secret; a roll gives the older ones an expiry. */
export interface WebhookSecretRecord {
  id: string;
  merchantId: string;
  /**
   * `whsec_…`, or sealed (`enc:v1:…`, bound to `id`) under the key-encryption key: the issuer
   * needs the secret itself to sign (HMAC), so it cannot keep a hash.
   */
  secret: string;
  createdAt: number;
  /** When it stops signing; null: until the next roll. */
  expiresAt: number | null;
}

/** A webhook event for the outbox, written in the transaction of the change it reports. */
export interface WebhookEventInput {
  /** `evt_…`, sortable by time: the `webhook-id` of every attempt. */
  id: string;
  merchantId: string;
  /** A `WebhookEventType`. */
  type: string;
  /** The JSON body, exactly as it is signed and POSTed. */
  payload: string;
  createdAt: number;
}

export type WebhookEventStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookEventRecord extends WebhookEventInput {
  status: WebhookEventStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  /** The claim's lease: nobody else claims the event before this time; null: unclaimed. */
  lockedUntil: number | null;
}

/** One delivery attempt of a webhook event. */
export interface WebhookAttemptRecord {
  eventId: string;
  /** 1, 2, … per event. */
  attempt: number;
  at: number;
  url: string;
  /** The answer's HTTP status; null when there was none. */
  statusCode: number | null;
  /** Why there was no answer (or why it was not sent); null with a status code. */
  error: string | null;
  durationMs: number;
  /** The next attempt this one scheduled; null when none. */
  nextAttemptAt: number | null;
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

/** A browser's Web Push subscription, owned by one account (the endpoint is unique). */
export interface PushSubscriptionRecord {
  /** The push service URL (RFC 8030 push resource); unique across accounts. */
  endpoint: string;
  accountId: string;
  /** base64url of the browser's uncompressed P-256 public key (RFC 8291 `ua_public`). */
  p256dh: string;
  /** base64url of the 16-byte authentication secret. */
  auth: string;
  createdAt: number;
  /** When it was last added or refreshed (the eviction order: least recently updated first). */
  updatedAt: number;
  /** When a push service last accepted a message for it; null: never. */
  lastSuccessAt: number | null;
}

/** The issuer's VAPID key pair (RFC 8292): one per issuer, made once. */
export interface VapidKeyRecord {
  /** base64url of the 65-byte uncompressed P-256 point: what `applicationServerKey` takes. */
  publicKey: string;
  /** base64url of the 32-byte private scalar, or sealed (`enc:v1:…`) under the key-encryption key. */
  privateKey: string;
  createdAt: number;
}

/** The card and account a session's approval identified. */
export interface ApprovingAccount {
  accountId: string;
  cardId: string | null;
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
  /** What the row is about, for filtering (also often in `detail`). */
  accountId?: string | undefined;
  cardId?: string | undefined;
  merchantId?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  action: string;
  sessionId: string | null;
  accountId: string | null;
  cardId: string | null;
  merchantId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

/** Filters of the audit log, newest first; `beforeId` continues a page. */
export interface AuditQuery {
  sessionId?: string;
  accountId?: string;
  cardId?: string;
  merchantId?: string;
  /** Exact action, or a prefix when it ends with `.` (`card.`). */
  action?: string;
  /** Epoch ms, inclusive / exclusive. */
  since?: number;
  until?: number;
  beforeId?: number;
  limit: number;
}

export type * from './contract.js';
export { sharedFeatures } from './contract.js';
