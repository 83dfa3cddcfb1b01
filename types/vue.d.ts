/**
 * Template types for `<dualpay-checkout>` in Vue 3 (vue-tsc, Vue - Official): load them once,
 * next to the registration:
 *
 *   import 'dualpay/define';
 *   import type {} from 'dualpay/vue';
 *
 * and tell Vue's compiler the tag is a custom element (`isCustomElement`). Vue sets a prop as a
 * property when the element has it, else as an attribute; `@dualpay-settled` listens for the
 * `dualpay-settled` event (vue-tsc checks it as the `onDualpaySettled` prop).
 */
import type { DefineComponent } from 'vue';
import type { DualpayCheckoutEventMap, DualpayCheckoutProperties } from './checkout-props.js';

/** `@dualpay-settled`, … : a listener for each of the element's events. */
export interface DualpayCheckoutVueEvents {
  onDualpayStatusChange?: (event: DualpayCheckoutEventMap['dualpay-status-change']) => void;
  onDualpaySettled?: (event: DualpayCheckoutEventMap['dualpay-settled']) => void;
  onDualpayError?: (event: DualpayCheckoutEventMap['dualpay-error']) => void;
  onDualpayCancel?: (event: DualpayCheckoutEventMap['dualpay-cancel']) => void;
}

/** Everything `<dualpay-checkout>` takes in a Vue template (kebab-case attributes are camelized). */
export type DualpayCheckoutVueProps = DualpayCheckoutProperties & DualpayCheckoutVueEvents;

declare module 'vue' {
  interface GlobalComponents {
    DualpayCheckout: DefineComponent<DualpayCheckoutVueProps>;
  }
}
