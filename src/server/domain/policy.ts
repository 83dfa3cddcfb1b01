/**
 * The payment-policy seam: a check the issuer runs before every settlement, after the card's
 * assertion has verified. A policy may refuse with a code and reasons (risk checks, adaptive
 * authentication); the default allows everything, so an issuer without one behaves as before.
 * Limits that must hold under concurrency (the monthly limit) are not policies: the store enforces
 * them inside the settlement's transaction.
 */
import type { ErrorCode } from '../../protocol/index.js';
import type { AccountRecord, CardRecord, MerchantRecord, SessionRecord } from '../store/types.js';

/** What the policy may look at: one verified approval, about to settle. */
export interface PaymentAttempt {
  session: SessionRecord;
  merchant: MerchantRecord;
  account: AccountRecord;
  card: CardRecord;
  /** What the payment counts against the account's monthly limit (the account's currency). */
  limitAmount: number;
  /** Client address of the phone that approved. */
  phoneIp: string | undefined;
  now: number;
}

export type PolicyDecision =
  | { allow: true; signals?: Record<string, unknown> }
  | {
      allow: false;
      code: ErrorCode;
      /** Why, in short machine-readable phrases (audited, shown to operators). */
      reasons: string[];
      signals?: Record<string, unknown>;
    };

export interface PaymentPolicy {
  evaluate(attempt: PaymentAttempt): PolicyDecision | Promise<PolicyDecision>;
}

/** The default policy: allows every payment. */
export const ALLOW_ALL_POLICY: PaymentPolicy = {
  evaluate: () => ({ allow: true }),
};
