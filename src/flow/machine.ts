/**
 * The checkout state machine: a pure `transition(state, event) → state` over the element's
 * statuses (DESIGN.md §8). No time, network or DOM here; the controller feeds it events.
 *
 *   idle ─START→ creating ─SESSION_CREATED→ awaiting-handoff ─(claimed)→ awaiting-confirmation
 *   awaiting-* ─(settled)→ settled; ─(declined|failed|expired|cancelled)→ that status
 *   any terminal ─RESET→ idle (and RESET from anywhere)
 */
import type {
  CheckoutStatus,
  ErrorCode,
  Handoff,
  PublicSession,
  SessionCredentials,
  Settlement,
} from '../protocol/index.js';

/** An error as the element shows and reports it. */
export interface CheckoutFailure {
  code: ErrorCode;
  message: string;
}

export interface CheckoutState {
  status: CheckoutStatus;
  /** The session being paid, once created. */
  session: SessionCredentials | null;
  /** The latest view of the session from the issuer. */
  view: PublicSession | null;
  /** The current hand-off (QR / link / NFC target). */
  handoff: Handoff | null;
  settlement: Settlement | null;
  error: CheckoutFailure | null;
}

export type CheckoutEvent =
  | { type: 'START' }
  | { type: 'SESSION_CREATED'; session: SessionCredentials }
  | { type: 'SNAPSHOT'; view: PublicSession; orderId?: string }
  | { type: 'HANDOFF'; handoff: Handoff }
  | { type: 'FAIL'; error: CheckoutFailure }
  | { type: 'DEADLINE' }
  | { type: 'CANCEL' }
  | { type: 'RESET' };

export const INITIAL_STATE: CheckoutState = {
  status: 'idle',
  session: null,
  view: null,
  handoff: null,
  settlement: null,
  error: null,
};

const TERMINAL: readonly CheckoutStatus[] = [
  'settled',
  'declined',
  'failed',
  'expired',
  'cancelled',
];

/** Whether the checkout is over (only RESET leaves these). */
export function isTerminal(status: CheckoutStatus): boolean {
  return TERMINAL.includes(status);
}

/** Whether the checkout is in progress (a second start() joins it). */
export function isRunning(status: CheckoutStatus): boolean {
  return (
    status === 'creating' || status === 'awaiting-handoff' || status === 'awaiting-confirmation'
  );
}

const SERVER_ERRORS: Record<'declined' | 'failed' | 'expired' | 'cancelled', CheckoutFailure> = {
  declined: { code: 'session_declined', message: 'The payment was declined on the phone.' },
  failed: { code: 'session_failed', message: 'The payment could not be approved.' },
  expired: { code: 'session_expired', message: 'The payment session expired.' },
  cancelled: { code: 'session_cancelled', message: 'The payment was cancelled.' },
};

function fromSnapshot(state: CheckoutState, view: PublicSession): CheckoutState {
  const next = { ...state, view };
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
      const error = view.error ?? SERVER_ERRORS[view.status];
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
      return state.status === 'awaiting-handoff' ? { ...state, handoff: event.handoff } : state;
    case 'FAIL':
      return state.status === 'idle' ? state : { ...state, status: 'failed', error: event.error };
    case 'DEADLINE':
      return state.status === 'awaiting-handoff' || state.status === 'awaiting-confirmation'
        ? { ...state, status: 'expired', error: SERVER_ERRORS.expired }
        : state;
    case 'CANCEL':
      return state.status === 'idle'
        ? state
        : { ...state, status: 'cancelled', error: SERVER_ERRORS.cancelled };
  }
}
