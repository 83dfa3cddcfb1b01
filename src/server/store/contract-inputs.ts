/**
 * Inputs and results of the store's recovery, refund and webhook-outbox writes (the rest of the
 * contract is in `contract.ts`, which re-exports these).
 */
import type { Outcome, WithWebhookEvent } from './contract.js';
import type { AuditEntry, EnrollmentRecord, RefundRecord } from './types.js';

/** What a recovery code is spent on. */
export type RecoveryUse =
  /** Freeze the code's account at once (a lost card). */
  | { freeze: true }
  /** A recovery enrolment for the code's account (`accountId` is filled in by the store). */
  | { enrollment: Omit<EnrollmentRecord, 'accountId'> };

export interface UseRecoveryCodeInput {
  codeHash: string;
  now: number;
  use: RecoveryUse;
  /** Written with the change; its `accountId` is the code's (filled in by the store). */
  audit: AuditEntry;
}

/** Result of `useRecoveryCode`: the code's account, or why nothing was written. */
export type UseRecoveryCodeResult =
  { ok: true; accountId: string } | { ok: false; conflict: 'not_found' | 'code_used' };

/** A second card's enrolment, approved by an active card of the account (a second device). */
export interface DeviceEnrollmentInput {
  /** A device challenge (`storeDeviceChallenge`): unused and unexpired, spent by this write. */
  challenge: string;
  /** The approving card: still active, its counter still what the caller read. */
  card: { id: string; expectedCounter: number; newCounter: number };
  /** Its `accountId` must be the approving card's account, which must not be frozen. */
  enrollment: EnrollmentRecord;
  now: number;
  audit: AuditEntry;
}

/** Refused with `challenge_spent`, `counter_moved`, `card_inactive` or `account_frozen`. */
export type DeviceEnrollmentResult = Outcome<{ enrollment: EnrollmentRecord }>;

export interface RefundInput extends WithWebhookEvent {
  refund: RefundRecord;
  /**
   * The session's refunds must still sum to this: the caller computed the refund's `limitAmount`
   * from it (compare-and-set, as the card counter).
   */
  expectedRefunded: number;
  /** The session's refunds, this one included, must stay ≤ this (the payment's amount). */
  maxTotal: number;
  audit: AuditEntry;
}

/** Why `createRefund` wrote nothing. */
export type RefundConflict =
  /** The session is missing, not the refund's merchant's, or not `settled`. */
  | 'session_state'
  /** The refunds would sum past `maxTotal`. */
  | 'over_refund'
  /** The session's refunds no longer sum to `expectedRefunded` (read again and retry). */
  | 'refunds_moved';

/**
 * Result of `createRefund`: stored; or an earlier refund with the same merchant and idempotency
 * key and the same request hash (`repeated`); or that key with another hash (`conflict`); or
 * refused, with what the session's refunds sum to now.
 */
export type CreateRefundResult =
  | { outcome: 'created' | 'repeated'; refund: RefundRecord }
  | { outcome: 'conflict' }
  | { outcome: 'refused'; conflict: RefundConflict; refunded: number };

/** A claim of due webhook events (`claimWebhookEvents`). */
export interface ClaimWebhookEventsInput {
  now: number;
  /** The lease: no other claim takes the claimed events before this time. */
  lockedUntil: number;
  /** Names this claim; only an attempt recorded under it changes an event's status. */
  lockToken: string;
  limit: number;
}

/** What an attempt found, and what the event becomes. */
export interface WebhookAttemptInput {
  eventId: string;
  lockToken: string;
  at: number;
  url: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** Delivered, due again at `nextAttemptAt`, or given up (`failed`). */
  outcome:
    { status: 'delivered' } | { status: 'pending'; nextAttemptAt: number } | { status: 'failed' };
}
