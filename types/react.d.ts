/**
 * JSX types for `<dualpay-checkout>` in React 19. Load them once, next to the registration:
 *
 *   import 'dualpay/define';
 *   import type {} from 'dualpay/react';
 *
 * React 19 sets a custom element's prop as a property when the element has one (`sessionUrl`,
 * `createSession`), else as an attribute (`session-url`), and adds a function prop `on<name>` as a
 * listener for the event `<name>` exactly as written: so `ondualpay-settled`, not
 * `onDualpaySettled` (that would listen for an event called "DualpaySettled").
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { DualpayCheckout } from '../dist/types/element/index.js';
import type {
  DualpayCheckoutAttributes,
  DualpayCheckoutEventMap,
  DualpayCheckoutProperties,
} from './checkout-props.js';

/** `ondualpay-settled`, … : a listener for each of the element's events. */
export type DualpayCheckoutReactEvents = {
  [Name in keyof DualpayCheckoutEventMap as `on${Name}`]?: (
    event: DualpayCheckoutEventMap[Name],
  ) => void;
};

/** Everything `<dualpay-checkout>` takes in React 19 JSX. */
export type DualpayCheckoutReactProps = DetailedHTMLProps<
  HTMLAttributes<DualpayCheckout>,
  DualpayCheckout
> &
  DualpayCheckoutAttributes &
  DualpayCheckoutProperties &
  DualpayCheckoutReactEvents;

declare module 'react' {
  // React 19 keeps JSX in its own namespace (react/jsx-runtime's JSX extends it): augmenting it is
  // how a library adds an intrinsic element.
  // eslint-disable-next-line no-restricted-syntax -- React's namespace, not one of ours
  namespace JSX {
    interface IntrinsicElements {
      'dualpay-checkout': DualpayCheckoutReactProps;
    }
  }
}
