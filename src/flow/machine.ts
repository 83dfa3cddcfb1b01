/**
 * The checkout state machine: a pure `transition(state, event) → state` over the element's
 * statuses (README "Element reference"). No time, network or DOM here; the controller feeds it events.
 *
 *   idle ─START→ creating ─SESSION_CREATED→ awaiting-handoff ─(claimed)→ awaiting-confirmation
 *   awaiting-* ─(settled)→ settled; ─(declined|failed|expired|cancelled)→ that status
 *   any terminal ─RESET→ idle (and RESET from anywhere)
 *
 * Beside the status (one union), a running checkout has a `connection`: `reconnecting` while the
 * controller cannot reach the issuer (UNREACHABLE), `online` again on REACHABLE or on any answer
 * (SNAPSHOT, HANDOFF). And `handoffExpired`: the hand-off shown has passed its `expiresAt` with
 * no fresh one yet (HANDOFF_EXPIRED), so the view stops offering it.
 */
import {
  errorCodeForStatus,
  isTerminalCheckoutStatus,
  type CheckoutStatus,
  type ErrorCode,
  type Handoff,
  type PublicSession,
  type SessionCredentials,
  type Settlement,
} from '../protocol/index.js';

/** An error as the element shows and reports it. */
export interface CheckoutFailure {
  code: ErrorCode;
  message: string;
}

/** Whether the controller reaches the issuer: `reconnecting` while neither SSE nor polling does. */
export type Connection = 'online' | 'reconnecting';

export interface CheckoutState {
  status: CheckoutStatus;
  /** Always `online` outside `awaiting-handoff` and `awaiting-confirmation`. */
  connection: Connection;
  /** The session being paid, once created. */
  session: SessionCredentials | null;
  /** The latest view of the session from the issuer. */
  view: PublicSession | null;
  /** The current hand-off (QR / link / NFC target). */
  handoff: Handoff | null;
  /** The current hand-off has expired and no fresh one arrived yet. */
  handoffExpired: boolean;
  settlement: Settlement | null;
  error: CheckoutFailure | null;
}

export type CheckoutEvent =
  | { type: 'START' }
  | { type: 'SESSION_CREATED'; session: SessionCredentials }
  | { type: 'SNAPSHOT'; view: PublicSession; orderId?: string }
  | { type: 'HANDOFF'; handoff: Handoff }
  | { type: 'HANDOFF_EXPIRED'; code: string }
  | { type: 'UNREACHABLE' }
  | { type: 'REACHABLE' }
  | { type: 'FAIL'; error: CheckoutFailure }
  | { type: 'DEADLINE' }
  | { type: 'CANCEL' }
  | { type: 'RESET' };

export const INITIAL_STATE: CheckoutState = {
  status: 'idle',
  connection: 'online',
  session: null,
  view: null,
  handoff: null,
  handoffExpired: false,
  settlement: null,
  error: null,
};

/** Whether the checkout is over (only RESET leaves these). */
export const isTerminal = isTerminalCheckoutStatus;

/** Whether the checkout is in progress (a second start() joins it). */
export function isRunning(status: CheckoutStatus): boolean {
  return (
    status === 'creating' || status === 'awaiting-handoff' || status === 'awaiting-confirmation'
  );
}

/**
 * A failure decided in the browser. Its message is the code: people read the element's localized
 * text for it (`errorMessage`), developers branch on the code.
 */
const failure = (code: ErrorCode): CheckoutFailure => ({ code, message: code });

function fromSnapshot(state: CheckoutState, view: PublicSession): CheckoutState {
  const next: CheckoutState = { ...state, view, connection: 'online' };
  switch (view.status) {
    case 'open':
      return { ...next, status: 'awaiting-handoff' };
    case 'claimed':
      return { ...next, status: 'awaiting-confirmation' };
    case 'settled': {
      if (!view.settlementToken || !state.session) {
        return {
          ...next,
          status: 'failed',
          error: { code: 'invalid_response', message: 'Settled without a token.' },
        };
      }
      return {
        ...next,
        status: 'settled',
        error: null,
        settlement: {
          token: view.settlementToken,
          sessionId: view.id,
          orderId: orderIdOf(view.settlementToken),
          amount: view.amount,
          currency: view.currency,
        },
      };
    }
    default: {
      // The issuer sends `error` with every unpaid end; the code alone stands in if it did not.
      const error = view.error ?? failure(errorCodeForStatus(view.status));
      return { ...next, status: view.status, error: { code: error.code, message: error.message } };
    }
  }
}

/** The `orderId` claim of a settlement token (read, not verified: the merchant server verifies). */
export function orderIdOf(token: string): string {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { orderId?: unknown };
    return typeof claims.orderId === 'string' ? claims.orderId : '';
  } catch {
    return '';
  }
}

/** The next state; events that make no sense in the current state leave it unchanged. */
export function transition(state: CheckoutState, event: CheckoutEvent): CheckoutState {
  const next = step(state, event);
  // Only a running checkout can be reconnecting: an ending (a deadline, a cancel) clears it.
  return next.connection === 'online' || isAwaiting(next.status)
    ? next
    : { ...next, connection: 'online' };
}

const isAwaiting = (status: CheckoutStatus) =>
  status === 'awaiting-handoff' || status === 'awaiting-confirmation';

function step(state: CheckoutState, event: CheckoutEvent): CheckoutState {
  if (event.type === 'RESET') return INITIAL_STATE;
  if (isTerminal(state.status)) return state;
  switch (event.type) {
    case 'START':
      return state.status === 'idle' ? { ...INITIAL_STATE, status: 'creating' } : state;
    case 'SESSION_CREATED':
      return state.status === 'creating'
        ? { ...state, status: 'awaiting-handoff', session: event.session }
        : state;
    case 'SNAPSHOT':
      if (state.status === 'idle' || state.status === 'creating' || !state.session) return state;
      if (event.view.id !== state.session.id) return state;
      return fromSnapshot(state, event.view);
    case 'HANDOFF':
      return state.status === 'awaiting-handoff'
        ? { ...state, handoff: event.handoff, handoffExpired: false, connection: 'online' }
        : state;
    case 'HANDOFF_EXPIRED':
      return state.status === 'awaiting-handoff' && state.handoff?.code === event.code
        ? { ...state, handoffExpired: true }
        : state;
    case 'UNREACHABLE':
    case 'REACHABLE': {
      const connection = event.type === 'UNREACHABLE' ? 'reconnecting' : 'online';
      return isAwaiting(state.status) && state.connection !== connection
        ? { ...state, connection }
        : state;
    }
    case 'FAIL':
      return state.status === 'idle' ? state : { ...state, status: 'failed', error: event.error };
    case 'DEADLINE':
      return isAwaiting(state.status)
        ? { ...state, status: 'expired', error: failure('session_expired') }
        : state;
    case 'CANCEL':
      return state.status === 'idle'
        ? state
        : { ...state, status: 'cancelled', error: failure('session_cancelled') };
  }
}
