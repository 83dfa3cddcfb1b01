/**
 * Wire types of the issuer HTTP API (docs/protocol.md "Endpoints"). JSON, camelCase; money is an integer in the
 * currency's minor unit; timestamps are ISO 8601 UTC strings.
 */
import type { ErrorCode } from './errors.js';
import type { SETTLEMENT_KEY_METHODS } from './constants.js';
import type { SessionStatus } from './status.js';

/** An ISO 8601 UTC timestamp, such as `2026-11-21T09:30:00.000Z`. */
export type IsoTimestamp = string;

/**
 * Merchant mode: test merchants accept every card; live merchants only trusted cards (attestation
 * chained to one of the issuer's trusted roots), never test cards.
 */
export type MerchantMode = 'test' | 'live';

/** `POST /v1/merchants` body. */
export interface CreateMerchantRequest {
  name: string;
  allowedOrigins: string[];
  mode?: MerchantMode;
}

/** `POST /v1/merchants` answer; `secretKey` is shown only here. */
export interface CreateMerchantResponse {
  id: string;
  name: string;
  mode: MerchantMode;
  secretKey: string;
}

/** `POST /v1/accounts` body; `monthlyLimit` is in minor units of `currency`. */
export interface CreateAccountRequest {
  displayName: string;
  monthlyLimit?: number;
  currency?: string;
}

/** `POST /v1/accounts` answer. */
export interface CreateAccountResponse {
  id: string;
}

/** `POST /v1/accounts/:id/enrollments` answer: a one-time enrolment code for a phone. */
export interface CreateEnrollmentResponse {
  code: string;
  url: string;
  expiresAt: IsoTimestamp;
}

/** `POST /v1/enrollments/:code/verify` answer. */
export interface VerifyEnrollmentResponse {
  cardId: string;
  /**
   * With the account's first card only: its ten one-time recovery codes (`XXXX-XXXX-XXXX-XXXX`),
   * shown this once; the issuer keeps only their hashes.
   */
  recoveryCodes?: string[];
}

/** `POST /v1/recovery/freeze` and `POST /v1/recovery/enrollments` body. */
export interface RecoveryCodeRequest {
  recoveryCode: string;
}

/** `POST /v1/recovery/freeze` answer. */
export interface FreezeResponse {
  frozen: true;
}

/** `POST /v1/recovery/enrollments` answer: its card is `pending` until `activatesAt`. */
export interface RecoveryEnrollmentResponse extends CreateEnrollmentResponse {
  activatesAt: IsoTimestamp;
}

/** `POST /v1/checkout-sessions` body (with an `Idempotency-Key` header). */
export interface CreateCheckoutSessionRequest {
  amount: number;
  currency: string;
  orderId: string;
  description?: string;
  metadata?: Record<string, string>;
}

/** A checkout session as the merchant's server sees it. */
export interface Session {
  id: string;
  status: SessionStatus;
  amount: number;
  currency: string;
  orderId: string;
  description: string;
  merchantId: string;
  clientSecret: string;
  expiresAt: IsoTimestamp;
  createdAt: IsoTimestamp;
  settlementToken?: string;
  /** Why a session ended without settling (`failed`, `declined`, `expired`, `cancelled`). */
  error?: { code: ErrorCode; message: string };
  /**
   * Refunds of a settled session, oldest first: in `GET /v1/checkout-sessions/:id` and the
   * webhook events, not in the answers of creation and cancellation.
   */
  refunds?: Refund[];
}

/** `POST /v1/checkout-sessions/:id/refunds` body (with an `Idempotency-Key` header). */
export interface CreateRefundRequest {
  /** Minor units; default: what is left of the payment. */
  amount?: number;
  reason?: string;
}

/** Money given back from a settled session; refunds of a session never sum past its amount. */
export interface Refund {
  id: string;
  sessionId: string;
  amount: number;
  /** The session's currency. */
  currency: string;
  status: 'succeeded';
  reason?: string;
  createdAt: IsoTimestamp;
}

/** A checkout session as the merchant page sees it (the poll endpoint and SSE snapshots). */
export interface PublicSession {
  id: string;
  status: SessionStatus;
  amount: number;
  currency: string;
  merchantName: string;
  description: string;
  expiresAt: IsoTimestamp;
  /** Two digits the merchant page shows for number matching, such as `"07"`. */
  bindingCode: string;
  /** Poll interval in seconds that the client must respect. */
  interval: number;
  settlementToken?: string;
  error?: { code: ErrorCode; message: string };
}

/** `POST /v1/checkout-sessions/:id/handoffs` answer. */
export interface Handoff {
  /** ≥128-bit base64url code; claimable once; dies when a newer hand-off is made. */
  code: string;
  /** `<issuer>/h/<code>`: what the QR encodes. */
  url: string;
  /** 8 letters for typing at `<issuer>/h`, stored without the dash. */
  userCode: string;
  expiresAt: IsoTimestamp;
}

/** `POST /v1/handoffs/:code/claim` answer: what the phone shows before approval. */
export interface ClaimResponse {
  sessionId: string;
  status: SessionStatus;
  merchantName: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: IsoTimestamp;
  /** Whether the merchant is in test mode (test cards, such as the simulated card, allowed). */
  testMode: boolean;
}

/** `POST /v1/handoffs/:code/authentication-options` body. */
export interface AuthenticationOptionsRequest {
  bindingCode: string;
}

/** `POST /v1/handoffs/:code/confirm` answer. */
export interface ConfirmResponse {
  status: 'settled';
  settlementId: string;
  settledAt: IsoTimestamp;
}

/** `POST /v1/handoffs/:code/decline` answer. */
export interface DeclineResponse {
  status: 'declined';
}

/**
 * `GET /v1/enrollments/:code` answer: whether the enrolment link can still register a card
 * (`live`), or was spent (`used`) or is past its 15 minutes (`expired`).
 */
export interface EnrollmentStatus {
  status: 'live' | 'used' | 'expired';
}

/**
 * `GET /v1/handoffs/:code/status` answer: where the phone's claimed payment stands. `status` is
 * `claimed` while it waits, else its terminal status (a session past its deadline is `expired`);
 * `error` says why it ended, as in PublicSession (`binding_mismatch`, `session_cancelled`, …).
 */
export interface HandoffStatus {
  status: SessionStatus;
  error?: { code: ErrorCode; message: string };
}

/** Claims of a settlement token (docs/protocol.md "Settlement token"). */
export interface SettlementClaims {
  /** Issuer origin. */
  iss: string;
  /** Merchant id. */
  aud: string;
  /** Session id. */
  sub: string;
  /** Settlement id. */
  jti: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** `iat` + 900. */
  exp: number;
  orderId: string;
  amount: number;
  currency: string;
  /** Unpadded base64url SHA-256 of the canonical transaction. */
  txn: string;
  /**
   * RFC 8176 methods: the card's key method (`hwk` for a trusted card, `swk` for a test card), then
   * `mfa` (possession plus PIN or biometric) and `mca` (merchant screen plus phone).
   */
  amr: [SettlementKeyMethod, 'mfa', 'mca'];
}

/** `hwk` (hardware-secured key, a trusted card) or `swk` (software-secured key, a test card). */
export type SettlementKeyMethod = (typeof SETTLEMENT_KEY_METHODS)[number];

/** What `start()` resolves with and `dualpay-settled` carries. */
export interface Settlement {
  token: string;
  sessionId: string;
  orderId: string;
  amount: number;
  currency: string;
}

/** What a merchant's session endpoint returns to the element. */
export interface SessionCredentials {
  id: string;
  clientSecret: string;
}
