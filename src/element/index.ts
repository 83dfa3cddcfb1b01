/**
 * The `<dualpay-checkout>` element class and its types. Importing this module has no side effects
 * and does not register the tag: import `dualpay/define` for that.
 * @packageDocumentation
 */
export { DualpayCheckout } from './dualpay-checkout.js';
export { CheckoutError } from '../protocol/errors.js';
export type { ErrorCode } from '../protocol/errors.js';
export type { CheckoutStatus } from '../protocol/status.js';
export type { Settlement, SessionCredentials } from '../protocol/types.js';
