/**
 * What a framework's template can set on `<dualpay-checkout>`, and its events: shared by
 * `dualpay/react` and `dualpay/vue`. Derived from the element class, so they follow it.
 */
import type {
  DualpayCancelEvent,
  DualpayCheckout,
  DualpayErrorEvent,
  DualpaySettledEvent,
  DualpayStatusChangeEvent,
} from '../dist/types/element/index.js';

/** The element's settable properties (camelCase), all optional in a template. */
export type DualpayCheckoutProperties = Partial<
  Pick<
    DualpayCheckout,
    | 'issuer'
    | 'sessionUrl'
    | 'sessionId'
    | 'clientSecret'
    | 'handoff'
    | 'locale'
    | 'autostart'
    | 'createSession'
  >
>;

/** The same settings as attributes (kebab-case): they work before the element is defined. */
export interface DualpayCheckoutAttributes {
  issuer?: DualpayCheckout['issuer'];
  'session-url'?: DualpayCheckout['sessionUrl'];
  'session-id'?: DualpayCheckout['sessionId'];
  'client-secret'?: DualpayCheckout['clientSecret'];
  handoff?: DualpayCheckout['handoff'];
  locale?: DualpayCheckout['locale'];
  autostart?: DualpayCheckout['autostart'];
}

/** Each event the element fires (bubbling, composed), by name. */
export interface DualpayCheckoutEventMap {
  'dualpay-status-change': DualpayStatusChangeEvent;
  'dualpay-settled': DualpaySettledEvent;
  'dualpay-error': DualpayErrorEvent;
  'dualpay-cancel': DualpayCancelEvent;
}
