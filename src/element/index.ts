/**
 * The `<dualpay-checkout>` element class and its types. Importing this module has no side effects
 * and does not register the tag: import `dualpay/define` for that. Safe to import in Node (for
 * server-side rendering setups): nothing here touches the DOM at import time.
 * @packageDocumentation
 */
export { DualpayCheckout, type Theme } from './dualpay-checkout.js';
export {
  DualpayCancelEvent,
  DualpayErrorEvent,
  DualpaySettledEvent,
  DualpayStatusChangeEvent,
  type ErrorDetail,
  type StatusChangeDetail,
} from './events.js';
export { CheckoutError } from '../protocol/errors.js';
export type { ErrorCode } from '../protocol/errors.js';
export type { CheckoutStatus } from '../protocol/status.js';
export type { Settlement, SessionCredentials } from '../protocol/types.js';
export type { HandoffMode } from '../flow/handoff.js';
export type { Connection } from '../flow/machine.js';
