/**
 * How a payment ended, as the confirmation page shows it: a result (paid, declined, stopped…),
 * never an error. One mapping from what the issuer answers — an error code of a phone step, or the
 * status the page polls — to the result screen, so a page opened again after the end shows the
 * same result as the page that saw it happen.
 */
import {
  STATUS_ERROR_CODES,
  isTerminalSessionStatus,
  type ErrorCode,
  type HandoffStatus,
} from '../protocol/index.js';
import type { PhoneMessageKey } from './locales.js';

/** A result screen of the confirmation page. */
export type Outcome =
  | 'approved'
  | 'declined'
  | 'cancelled'
  | 'expired'
  | 'code-expired'
  | 'replaced'
  | 'mismatch'
  | 'locked'
  | 'limit'
  | 'stopped';

/** Error codes that say the payment is over (or this code is), and the result each means. */
const ENDINGS: Partial<Record<ErrorCode, Outcome>> = {
  session_settled: 'approved',
  session_declined: 'declined',
  session_cancelled: 'cancelled',
  session_expired: 'expired',
  handoff_expired: 'code-expired',
  handoff_replaced: 'replaced',
  binding_mismatch: 'mismatch',
  session_failed: 'locked',
  limit_exceeded: 'limit',
  // Refusals that fail the session for good (ConfirmationService.refuse).
  account_frozen: 'stopped',
  currency_not_supported: 'stopped',
};

/** The result an error code of a phone step means, or null when the payment goes on. */
export function outcomeOfCode(code: ErrorCode): Outcome | null {
  return ENDINGS[code] ?? null;
}

/**
 * The result `GET /v1/handoffs/:code/status` reports, or null while the payment waits. A session
 * that failed for a reason this page has no words for is "stopped" (nothing was paid).
 */
export function outcomeOfStatus(answer: HandoffStatus): Outcome | null {
  const { status } = answer;
  if (!isTerminalSessionStatus(status)) return null;
  if (status === 'settled') return 'approved';
  return outcomeOfCode(answer.error?.code ?? STATUS_ERROR_CODES[status]) ?? 'stopped';
}

/** Whether `code` from a claim is worth asking the status about: it ended, but not how. */
export function needsStatus(code: ErrorCode): boolean {
  // A session fails for several reasons (wrong number, five failed attempts, a limit); the claim
  // says only `session_failed`. Only the claiming phone gets it (others get handoff_claimed).
  return code === 'session_failed';
}

/** What a result screen says, and in which tone: good news, plain news or a stop. */
export const OUTCOME_TEXT: Record<
  Outcome,
  { title: PhoneMessageKey; help: PhoneMessageKey; tone: 'ok' | 'neutral' | 'bad' }
> = {
  approved: { title: 'approvedTitle', help: 'approvedHelp', tone: 'ok' },
  declined: { title: 'declinedTitle', help: 'declinedHelp', tone: 'neutral' },
  cancelled: { title: 'cancelledTitle', help: 'cancelledHelp', tone: 'neutral' },
  expired: { title: 'expiredTitle', help: 'expiredHelp', tone: 'neutral' },
  'code-expired': { title: 'codeExpiredTitle', help: 'codeExpiredHelp', tone: 'neutral' },
  replaced: { title: 'replacedTitle', help: 'replacedHelp', tone: 'neutral' },
  mismatch: { title: 'mismatchTitle', help: 'mismatchHelp', tone: 'bad' },
  locked: { title: 'lockedTitle', help: 'lockedHelp', tone: 'bad' },
  limit: { title: 'stoppedTitle', help: 'limitHelp', tone: 'bad' },
  stopped: { title: 'stoppedTitle', help: 'stoppedHelp', tone: 'bad' },
};
