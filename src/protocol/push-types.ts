/**
 * Web Push on the wire (docs/protocol.md "Notifications (Web Push)"): the subscription the phone
 * pages send, the issuer's VAPID key, the message every subscription of an account receives after
 * each attempt in which one of its cards was identified, and the low-sensitivity view of a
 * payment that the notification opens.
 */
import type { ErrorCode } from './errors.js';
import type { SessionStatus } from './status.js';
import type { IsoTimestamp } from './types.js';

/** `GET /v1/push/vapid-public-key` answer. */
export interface VapidPublicKeyResponse {
  /** Unpadded base64url of the 65-byte uncompressed P-256 point (RFC 8292 §3.2). */
  publicKey: string;
}

/** The browser's `PushSubscription.toJSON()`, as the issuer accepts it. */
export interface PushSubscriptionJson {
  /** `https:` (or, with `--dev-push`, `http:` on loopback). */
  endpoint: string;
  /** May be present; null or epoch ms. Not stored. */
  expirationTime?: number | null;
  keys: {
    /** Unpadded base64url of the browser's 65-byte uncompressed P-256 public key. */
    p256dh: string;
    /** Unpadded base64url of the 16-byte authentication secret (RFC 8291 §3.2). */
    auth: string;
  };
}

/** Body of `POST /v1/enrollments/:code/push-subscription` and `POST /v1/handoffs/:code/push-subscription`. */
export interface PushSubscriptionRequest {
  subscription: PushSubscriptionJson;
}

/** `201` answer of both subscription endpoints. */
export interface PushSubscriptionResponse {
  status: 'subscribed';
}

/** Why an identified attempt was refused: the error code of the refusal. */
export type PaymentAttemptRefusal = Extract<
  ErrorCode,
  | 'card_revoked'
  | 'account_frozen'
  | 'limit_exceeded'
  | 'currency_not_supported'
  | 'risk_declined'
  | 'credential_not_allowed'
>;

/** What every push message about one payment says of it. */
export interface PaymentPushFields {
  sessionId: string;
  /** Opens the payment's notice page: `/p/<sessionId>#<noticeToken>`. */
  noticeToken: string;
  merchantName: string;
  /** Minor units, as everywhere in the API (a refund's own amount, for a refund). */
  amount: number;
  currency: string;
  /** When the outcome was decided, or the refund made. */
  at: IsoTimestamp;
}

/** The plaintext of every push message about a payment attempt (encrypted with RFC 8291). */
export interface PaymentAttemptPush extends PaymentPushFields {
  type: 'payment-attempt';
  outcome: 'settled' | 'refused';
  /** Only when refused. */
  reason?: ErrorCode;
}

/**
 * The plaintext of a push message about the account itself: it was frozen with a recovery code,
 * a replacement card was added by recovery (active from `activatesAt`), or a card was added.
 */
export interface AccountNoticePush {
  type: 'account-notice';
  notice: 'account-frozen' | 'recovery-enrollment' | 'card-added';
  at: IsoTimestamp;
  /** When the added card becomes usable (a recovery enrolment's cooling-off). */
  activatesAt?: IsoTimestamp;
}

/** The plaintext of a push message about a refund of a settled payment. */
export interface RefundPush extends PaymentPushFields {
  type: 'refund';
}

/** Every push message the issuer sends. */
export type PushMessage = PaymentAttemptPush | AccountNoticePush | RefundPush;

/** What the payment page (`/p/:sessionId`) says happened. */
export type PaymentNoticeOutcome = 'settled' | 'refused' | 'stopped' | 'pending';

/** `GET /v1/payment-notices/:sessionId` answer: no card, account or merchant-server data. */
export interface PaymentNotice {
  sessionId: string;
  merchantName: string;
  amount: number;
  currency: string;
  status: SessionStatus;
  outcome: PaymentNoticeOutcome;
  /** The refusal's error code, only when `outcome` is `refused`. */
  reason?: ErrorCode;
  createdAt: IsoTimestamp;
  /** When the session reached its final status; null while it is open or claimed. */
  endedAt: IsoTimestamp | null;
}
