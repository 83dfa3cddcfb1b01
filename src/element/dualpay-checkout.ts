import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import type { CheckoutStatus } from '../protocol/index.js';

/**
 * `<dualpay-checkout>`: a two-factor, two-channel checkout.
 *
 * This is the foundation's skeleton: it renders the idle view and the merchant's fallback slot.
 * The flow (session, hand-off, QR, events) arrives with issue #4.
 *
 * @slot fallback - The merchant's other payment options.
 * @csspart container - The outer box.
 * @csspart button - The primary action.
 * @cssprop --dualpay-accent - Accent colour of the primary action.
 * @cssprop --dualpay-bg - Background colour.
 * @cssprop --dualpay-text - Text colour.
 * @cssprop --dualpay-radius - Corner radius.
 * @cssprop --dualpay-font - Font family.
 */
export class DualpayCheckout extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-family: var(--dualpay-font, system-ui, sans-serif);
      color: var(--dualpay-text, #1a1a1a);
    }
    [part='container'] {
      background: var(--dualpay-bg, #fff);
      border-radius: var(--dualpay-radius, 12px);
      padding: 16px;
    }
    [part='button'] {
      background: var(--dualpay-accent, #0b57d0);
      color: #fff;
      border: 0;
      border-radius: var(--dualpay-radius, 12px);
      padding: 10px 16px;
      font: inherit;
    }
  `;

  /** Base URL of the issuer, such as `http://localhost:4010`. */
  @property() issuer = '';

  private currentStatus: CheckoutStatus = 'idle';

  /** The checkout's status (read-only). */
  get status(): CheckoutStatus {
    return this.currentStatus;
  }

  /**
   * Registers the element under `tag` in `registry` unless that name is taken.
   * Importing this module registers nothing; `dualpay/define` calls this.
   */
  static define(tag = 'dualpay-checkout', registry: CustomElementRegistry = customElements): void {
    if (!registry.get(tag)) registry.define(tag, this);
  }

  protected override render() {
    return html`<div part="container">
      <button part="button" type="button">Pay with dualpay</button>
      <slot name="fallback"></slot>
    </div>`;
  }
}
