/**
 * The element's events: prefixed, kebab-case, bubbling and composed, one class per event with a
 * readonly `detail` (Shoelace/Web Awesome style).
 */
import type { CheckoutStatus, ErrorCode, Settlement } from '../protocol/index.js';

const init = <T>(detail: T): CustomEventInit<T> => ({ detail, bubbles: true, composed: true });

export interface StatusChangeDetail {
  status: CheckoutStatus;
  previousStatus: CheckoutStatus;
}

/** The checkout's status changed (a flow or user change; never for `reset()`). */
export class DualpayStatusChangeEvent extends CustomEvent<StatusChangeDetail> {
  constructor(detail: StatusChangeDetail) {
    super('dualpay-status-change', init(detail));
  }
}

/** The payment settled; `detail.token` is the settlement token for the merchant's server. */
export class DualpaySettledEvent extends CustomEvent<Settlement> {
  constructor(detail: Settlement) {
    super('dualpay-settled', init(detail));
  }
}

export interface ErrorDetail {
  error: { code: ErrorCode; message: string };
}

/** The checkout ended without payment (declined, failed, expired) or could not start. */
export class DualpayErrorEvent extends CustomEvent<ErrorDetail> {
  constructor(detail: ErrorDetail) {
    super('dualpay-error', init(detail));
  }
}

/** The checkout was cancelled (by the shopper's Cancel button or `cancel()`). */
export class DualpayCancelEvent extends CustomEvent<null> {
  constructor() {
    super('dualpay-cancel', init(null));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'dualpay-status-change': DualpayStatusChangeEvent;
    'dualpay-settled': DualpaySettledEvent;
    'dualpay-error': DualpayErrorEvent;
    'dualpay-cancel': DualpayCancelEvent;
  }
}
