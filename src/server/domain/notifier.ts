/**
 * The notifier seam: told after every attempt in which a card was identified (its assertion
 * verified), whether it settled or was refused, and why. A push notifier tells the payer's phones;
 * the default tells no one. Called after the outcome is final and never awaited by the payment:
 * a slow or failing notifier cannot delay or undo a settlement.
 */
import type { ErrorCode } from '../../protocol/index.js';
import type { AccountRecord, CardRecord, MerchantRecord, SessionRecord } from '../store/types.js';

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

export interface AccountNotice {
  type: 'account-frozen' | 'recovery-enrollment' | 'card-added';
  account: AccountRecord;
  at: number;
  activatesAt?: number;
}

export interface Notifier {
  paymentAttempt(notice: AttemptNotice): void | Promise<void>;
  accountNotice?(notice: AccountNotice): void | Promise<void>;
}

/** The default notifier: does nothing. */
export const SILENT_NOTIFIER: Notifier = {
  paymentAttempt: () => undefined,
};
