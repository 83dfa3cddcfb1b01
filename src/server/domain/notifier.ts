/**
 * The notifier seam: told after every attempt in which a card was identified (its assertion
 * verified), whether it settled or was refused, and why. A push notifier tells the payer's phones;
 * the default tells no one. Called after the outcome is final and never awaited by the payment:
 * a slow or failing notifier cannot delay or undo a settlement.
 */
import type { ErrorCode } from '../../protocol/index.js';
import type {
  AccountRecord,
  CardRecord,
  MerchantRecord,
  RefundRecord,
  SessionRecord,
} from '../store/types.js';

export interface AttemptNotice {
  outcome: 'settled' | 'refused';
  /** Why it was refused. */
  reason?: ErrorCode;
  session: SessionRecord;
  merchant: MerchantRecord;
  account: AccountRecord;
  card: CardRecord;
  /** When the outcome was decided (epoch ms). */
  at: number;
}

/**
 * A change to an account's access its payer should hear of on every phone: the account was
 * frozen with a recovery code, a recovery enrolment was made (its card is pending until
 * `activatesAt`), or a card is being added from a second device.
 */
export interface AccountNotice {
  type: 'account-frozen' | 'recovery-enrollment' | 'card-added';
  account: AccountRecord;
  /** When it happened (epoch ms). */
  at: number;
  /** A recovery enrolment's card becomes active then (epoch ms). */
  activatesAt?: number;
}

/** A refund of a settled payment (the payer's monthly usage was given back). */
export interface RefundNotice {
  session: SessionRecord;
  merchant: MerchantRecord;
  account: AccountRecord;
  refund: RefundRecord;
}

export interface Notifier {
  paymentAttempt(notice: AttemptNotice): void | Promise<void>;
  /** Told after a change to an account's access (optional: a notifier may ignore them). */
  accountNotice?(notice: AccountNotice): void | Promise<void>;
  /** Optional: told after a refund was stored (never awaited, as `paymentAttempt`). */
  refund?(notice: RefundNotice): void | Promise<void>;
}

/** The default notifier: does nothing. */
export const SILENT_NOTIFIER: Notifier = {
  paymentAttempt: () => undefined,
};
