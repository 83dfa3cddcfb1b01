/** Turns a store's refusal into the error the caller sees: one mapping for every step. */
import { errorCodeForStatus, type ErrorCode } from '../../protocol/index.js';
import { HttpError } from '../errors.js';
import type { Conflict, Refusal, SessionRecord } from '../store/types.js';

/** The error code for a step that needs a live session, given the session as it is at `now`. */
export function sessionStateCode(session: SessionRecord | null, now: number): ErrorCode {
  if (!session) return 'not_found';
  const code = errorCodeForStatus(session.status);
  // A live session past its deadline is as good as expired (the sweeper may not have run yet).
  return code === 'session_not_open' && now >= session.expiresAt ? 'session_expired' : code;
}

const CONFLICT_CODES: Record<Exclude<Conflict, 'session_state'>, ErrorCode> = {
  handoff_claimed: 'handoff_claimed',
  handoff_superseded: 'handoff_replaced',
  handoff_expired: 'handoff_expired',
  challenge_spent: 'challenge_expired',
  counter_moved: 'authentication_failed',
  over_limit: 'limit_exceeded',
  card_inactive: 'authentication_failed',
  account_frozen: 'account_frozen',
};

/** The error code a refusal becomes. */
function refusalCode(refusal: Refusal, now: number): ErrorCode {
  return refusal.conflict === 'session_state'
    ? sessionStateCode(refusal.session, now)
    : CONFLICT_CODES[refusal.conflict];
}

/** The error a refusal becomes, with the code's standard message. */
export function refusalError(refusal: Refusal, now: number): HttpError {
  return new HttpError(refusalCode(refusal, now));
}
