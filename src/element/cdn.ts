/**
 * Entry of the script-tag build (`dist/cdn/dualpay.js`): registers the tag and exposes the public
 * classes as the global `dualpay`.
 */
export { DualpayCheckout } from './define.js';
export { CheckoutError } from '../protocol/errors.js';
