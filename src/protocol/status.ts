import type { ErrorCode } from './errors.js';

/** Statuses of a checkout session on the issuer (docs/protocol.md "Session lifecycle"). */
export const SESSION_STATUSES = [
  'open',
  'claimed',
  'settled',
  'declined',
  'failed',
  'expired',
  'cancelled',
] as const;

/** A checkout session's status on the issuer. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Session statuses that never change once reached. */
export const TERMINAL_SESSION_STATUSES = [
  'settled',
  'declined',
  'failed',
  'expired',
  'cancelled',
] as const satisfies readonly SessionStatus[];

/** A session status that is final. */
export type TerminalSessionStatus = (typeof TERMINAL_SESSION_STATUSES)[number];

/** Whether `status` is final: a terminal session never changes again. */
export function isTerminalSessionStatus(status: SessionStatus): status is TerminalSessionStatus {
  return (TERMINAL_SESSION_STATUSES as readonly SessionStatus[]).includes(status);
}

/** The error code that says a session ended in each terminal status. */
export const STATUS_ERROR_CODES = {
  settled: 'session_settled',
  declined: 'session_declined',
  failed: 'session_failed',
  expired: 'session_expired',
  cancelled: 'session_cancelled',
} as const satisfies Record<TerminalSessionStatus, ErrorCode>;

/**
 * The error code for a step refused because the session is in `status`: the terminal status's
 * code, or `session_not_open` for a live session in the wrong status.
 */
export function errorCodeForStatus(status: SessionStatus): ErrorCode {
  return isTerminalSessionStatus(status) ? STATUS_ERROR_CODES[status] : 'session_not_open';
}

/** Whether `value` names a session status. */
export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === 'string' && (SESSION_STATUSES as readonly string[]).includes(value);
}

/** Statuses of the `<dualpay-checkout>` element (README "Element reference"). */
export const CHECKOUT_STATUSES = [
  'idle',
  'creating',
  'awaiting-handoff',
  'awaiting-confirmation',
  'settled',
  'declined',
  'failed',
  'expired',
  'cancelled',
] as const;

/** The element's status: one union, never parallel booleans. */
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/**
 * Whether the element's `status` is final. The element's final statuses are the session's
 * terminal statuses, by name.
 */
export function isTerminalCheckoutStatus(
  status: CheckoutStatus,
): status is CheckoutStatus & TerminalSessionStatus {
  return (TERMINAL_SESSION_STATUSES as readonly string[]).includes(status);
}
