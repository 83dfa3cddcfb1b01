/** Statuses of a checkout session on the issuer (DESIGN.md §4). */
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

/** Whether `value` names a session status. */
export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === 'string' && (SESSION_STATUSES as readonly string[]).includes(value);
}

/** Statuses of the `<dualpay-checkout>` element (DESIGN.md §8). */
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
