/** Registers `<dualpay-checkout>`. The only module of the element with a side effect. */
import { DualpayCheckout } from './dualpay-checkout.js';

DualpayCheckout.define();

export { DualpayCheckout };

declare global {
  interface HTMLElementTagNameMap {
    'dualpay-checkout': DualpayCheckout;
  }
}
