import { LitElement, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { CheckoutController, type CheckoutConfig } from '../flow/controller.js';
import type { HandoffMode } from '../flow/handoff.js';
import type { CheckoutFailure, CheckoutState } from '../flow/machine.js';
import {
  formatAmount,
  formatUserCode,
  type CheckoutStatus,
  type SessionCredentials,
  type Settlement,
} from '../protocol/index.js';
import {
  DualpayCancelEvent,
  DualpayErrorEvent,
  DualpaySettledEvent,
  DualpayStatusChangeEvent,
} from './events.js';
import { errorMessage, message, resolveLocale, type Locale, type MessageKey } from './locales.js';
import { qrPath, type QrPath } from '../flow/qr.js';
import { checkoutStyles } from './styles.js';

const HANDOFF_MODES: readonly HandoffMode[] = ['auto', 'qr', 'nfc', 'link'];
/** Countdown moments announced to screen readers (seconds left): sparingly. */
const ANNOUNCE_AT_SEC = [300, 120, 60, 30];

/**
 * `<dualpay-checkout>`: a two-factor, two-channel checkout. It starts a session, hands it to the
 * shopper's phone (QR code, Web NFC or a same-device link), shows the binding number and a
 * countdown, and reports the signed settlement.
 *
 * @example
 * <dualpay-checkout issuer="https://issuer.example" session-url="/api/checkout"></dualpay-checkout>
 *
 * @tagname dualpay-checkout
 * @fires dualpay-status-change - `{status, previousStatus}` on every status change.
 * @fires dualpay-settled - `{token, sessionId, orderId, amount, currency}` once, when paid.
 * @fires dualpay-error - `{error: {code, message}}` when the checkout ends unpaid or cannot start.
 * @fires dualpay-cancel - When the checkout is cancelled.
 * @slot fallback - The merchant's other payment options, shown below the checkout.
 * @csspart container - The outer box.
 * @csspart qr - The QR code (an SVG image).
 * @csspart user-code - The code to type at the issuer's page when the camera cannot scan.
 * @csspart binding-code - The two-digit number to tap on the phone.
 * @csspart countdown - Time left, as text and a progress bar.
 * @csspart status - The line that says what is happening.
 * @csspart button - The primary action (pay, open the payment page, try again).
 * @csspart error - The error message.
 * @cssprop --dualpay-accent - Accent colour (buttons, binding number, progress).
 * @cssprop --dualpay-bg - Background colour.
 * @cssprop --dualpay-text - Text colour.
 * @cssprop --dualpay-radius - Corner radius.
 * @cssprop --dualpay-font - Font family.
 */
export class DualpayCheckout extends LitElement {
  static override styles = checkoutStyles;

  /** Base URL of the issuer, such as `https://issuer.example`. */
  @property() issuer = '';

  /** The merchant endpoint the element POSTs to; it answers `{id, clientSecret}`. */
  @property({ attribute: 'session-url' }) sessionUrl = '';

  /** An existing session's id (with `client-secret`) instead of `session-url`. */
  @property({ attribute: 'session-id' }) sessionId = '';

  /** The client secret of `session-id`. */
  @property({ attribute: 'client-secret' }) clientSecret = '';

  /** How to reach the phone: `auto` (default), `qr`, `nfc` or `link`. */
  @property() handoff: HandoffMode = 'auto';

  /** Language of the element (`en`, `ko`); defaults to the page's `lang`. */
  @property() locale = '';

  /** Start as soon as the element is connected. */
  @property({ type: Boolean }) autostart = false;

  /** Makes the session instead of `session-url` (for custom fetches and frameworks). */
  @property({ attribute: false }) createSession: (() => Promise<SessionCredentials>) | undefined =
    undefined;

  @state() private announcement = '';

  private readonly checkout = new CheckoutController(this, {
    config: (): CheckoutConfig => ({
      issuer: this.issuer,
      sessionUrl: this.sessionUrl || undefined,
      sessionId: this.sessionId || undefined,
      clientSecret: this.clientSecret || undefined,
      createSession: this.createSession,
      handoff: HANDOFF_MODES.includes(this.handoff) ? this.handoff : 'auto',
    }),
    onChange: (previous, next) => this.onCheckoutChange(previous, next),
  });

  private qrCache: { url: string; path: QrPath } | null = null;
  private announcedAt = new Set<number>();
  private resetting = false;

  /** The checkout's status. */
  get status(): CheckoutStatus {
    return this.checkout.state.status;
  }

  /** Why the checkout ended unpaid, or null. */
  get error(): CheckoutFailure | null {
    return this.checkout.state.error;
  }

  /** The settlement once paid, or null. */
  get settlement(): Settlement | null {
    return this.checkout.state.settlement;
  }

  /**
   * Starts the checkout; resolves with the settlement when the shopper has paid. While a checkout
   * runs, returns the same promise.
   * @throws {CheckoutError} with `code` `session_declined`, `session_failed`, `session_expired`,
   *   `session_cancelled`, `session_creation_failed`, `network_error`, … when it ends unpaid.
   */
  start(): Promise<Settlement> {
    return this.checkout.start();
  }

  /** Cancels the checkout (on the issuer too); fires `dualpay-cancel`. */
  cancel(): Promise<void> {
    return this.checkout.cancel();
  }

  /** Returns to `idle`, stopping timers and streams. Fires nothing. */
  reset(): void {
    this.resetting = true;
    try {
      this.checkout.reset();
    } finally {
      this.resetting = false;
    }
    this.announcement = '';
    this.announcedAt.clear();
  }

  /**
   * Registers the element under `tag` in `registry` unless that name is taken.
   * Importing this module registers nothing; `dualpay/define` calls this.
   */
  static define(tag = 'dualpay-checkout', registry: CustomElementRegistry = customElements): void {
    if (!registry.get(tag)) registry.define(tag, this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autostart && this.status === 'idle') void this.start().catch(() => undefined);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale') || !this.hasUpdated) this.setAttribute('lang', this.lang_);
  }

  private get lang_(): Locale {
    return resolveLocale(
      this.locale || this.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang,
    );
  }

  private t(key: MessageKey, values?: Record<string, string | number>): string {
    return message(this.lang_, key, values);
  }

  private onCheckoutChange(previous: CheckoutState, next: CheckoutState): void {
    if (previous.status === next.status) {
      this.announceCountdown();
      return;
    }
    if (this.resetting) return;
    this.dispatchEvent(
      new DualpayStatusChangeEvent({ status: next.status, previousStatus: previous.status }),
    );
    this.announcement = this.statusAnnouncement(next);
    if (next.status === 'settled' && next.settlement) {
      this.dispatchEvent(new DualpaySettledEvent({ ...next.settlement }));
    } else if (next.status === 'cancelled') {
      this.dispatchEvent(new DualpayCancelEvent());
    } else if (
      next.error &&
      (next.status === 'failed' || next.status === 'declined' || next.status === 'expired')
    ) {
      this.dispatchEvent(new DualpayErrorEvent({ error: { ...next.error } }));
    }
  }

  private statusAnnouncement(state: CheckoutState): string {
    const binding = state.view?.bindingCode ?? '';
    switch (state.status) {
      case 'creating':
        return this.t('starting');
      case 'awaiting-handoff': {
        const key = { qr: 'announceHandoff', link: 'announceLink', nfc: 'announceNfc' } as const;
        return this.t(key[this.checkout.method], { binding });
      }
      case 'awaiting-confirmation':
        return this.t('announceConfirm');
      case 'settled':
        return this.t('settled');
      case 'idle':
        return '';
      default:
        return state.error ? errorMessage(this.lang_, state.error.code) : '';
    }
  }

  /** Announces the countdown only at a few moments, once each. */
  private announceCountdown(): void {
    const remainingSec = Math.ceil((this.checkout.remainingMs() ?? Infinity) / 1000);
    for (const moment of ANNOUNCE_AT_SEC) {
      if (remainingSec <= moment && remainingSec > moment - 5 && !this.announcedAt.has(moment)) {
        this.announcedAt.add(moment);
        this.announcement =
          moment >= 120
            ? this.t('announceMinutes', { count: moment / 60 })
            : moment === 60
              ? this.t('announceMinute')
              : this.t('announceSeconds');
      }
    }
  }

  protected override updated(): void {
    this.announceCountdown();
  }

  protected override render(): TemplateResult {
    const { status } = this.checkout.state;
    return html`<div part="container" class="status-${status}">
      ${this.renderHeader()} ${this.renderStatus(status)}
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        ${this.announcement}
      </div>
      <slot name="fallback"></slot>
    </div>`;
  }

  private renderStatus(status: CheckoutStatus): TemplateResult {
    switch (status) {
      case 'idle':
        return this.renderIdle();
      case 'creating':
        return this.renderCreating();
      case 'awaiting-handoff':
        return this.renderAwaitingHandoff();
      case 'awaiting-confirmation':
        return this.renderAwaitingConfirmation();
      case 'settled':
        return this.renderSettled();
      default:
        return this.renderEnded();
    }
  }

  private formattedAmount(): string {
    const view = this.checkout.state.view;
    if (!view) return '';
    try {
      return formatAmount(view.amount, view.currency, this.lang_);
    } catch {
      return `${view.amount} ${view.currency}`;
    }
  }

  private renderHeader(): TemplateResult | typeof nothing {
    const view = this.checkout.state.view;
    if (!view) return nothing;
    // Merchant name and description come from the merchant: text bindings only, never HTML.
    return html`<header>
      <span class="merchant">${view.merchantName}</span>
      <span class="amount">${this.formattedAmount()}</span>
      ${view.description ? html`<span class="description">${view.description}</span>` : nothing}
    </header>`;
  }

  private renderIdle(): TemplateResult {
    return html`<div class="actions">
      <button part="button" type="button" @click=${this.onPay}>${this.t('pay')}</button>
    </div>`;
  }

  private renderCreating(): TemplateResult {
    return html`<p part="status">
      <span class="spinner" aria-hidden="true"></span>${this.t('starting')}
    </p>`;
  }

  private renderBinding(): TemplateResult | typeof nothing {
    const binding = this.checkout.state.view?.bindingCode;
    if (!binding) return nothing;
    return html`<div class="binding">
      <span class="small" id="binding-label">${this.t('bindingLabel')}</span>
      <strong part="binding-code" aria-labelledby="binding-label">${binding}</strong>
      <span class="small">${this.t('bindingHelp')}</span>
    </div>`;
  }

  private renderQr(url: string): TemplateResult {
    if (this.qrCache?.url !== url) this.qrCache = { url, path: qrPath(url) };
    const { size, d } = this.qrCache.path;
    return html`<svg
      part="qr"
      role="img"
      aria-label=${this.t('qrLabel', { amount: this.formattedAmount() })}
      viewBox="0 0 ${size} ${size}"
      shape-rendering="crispEdges"
      data-url=${url}
    >
      ${svg`<rect width=${size} height=${size} fill="#ffffff"></rect><path d=${d} fill="#000000"></path>`}
    </svg>`;
  }

  /** The hand-off by its method: a title, then [QR | link | NFC prompt] beside the number. */
  private renderHandoff(): TemplateResult {
    const { handoff } = this.checkout.state;
    if (!handoff) {
      return html`<p part="status">
        <span class="spinner" aria-hidden="true"></span>${this.t('starting')}
      </p>`;
    }
    const notice = this.checkout.methodNotice
      ? html`<p class="notice" role="note">${this.checkout.methodNotice}</p>`
      : nothing;
    const method = this.checkout.method;
    const title = { qr: 'scanTitle', link: 'linkTitle', nfc: 'nfcTitle' } as const;
    let main: TemplateResult;
    let caption: TemplateResult | typeof nothing = nothing;
    if (method === 'link') {
      main = html`<button part="button" type="button" @click=${() => this.checkout.openHandoff()}>
        ${this.t('linkButton')}
      </button>`;
    } else if (method === 'nfc') {
      main = html`<p class="small">${this.t('nfcHelp')}</p>`;
    } else {
      main = this.renderQr(handoff.url);
      caption = html`<p class="small">
        ${this.t('scanHelp')} ${this.t('typeCode', { url: `${new URL(handoff.url).origin}/h` })}
        <span part="user-code">${formatUserCode(handoff.userCode)}</span>
      </p>`;
    }
    return html`<div class="handoff">
      <h2>${this.t(title[method])}</h2>
      ${notice}
      <div class="handoff-row">
        <div class="handoff-main">${main}</div>
        ${this.renderBinding()}
      </div>
      ${caption}
    </div>`;
  }

  private renderCountdown(): TemplateResult | typeof nothing {
    const remaining = this.checkout.remainingMs();
    const total = this.checkout.totalMs();
    if (remaining === null || total === null) return nothing;
    const seconds = Math.ceil(remaining / 1000);
    const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    const label = this.t('timeLeft', { time });
    return html`<div part="countdown">
      <span aria-hidden="true">${label}</span>
      <progress max=${Math.round(total / 1000)} value=${seconds} aria-label=${label}></progress>
    </div>`;
  }

  private renderCancel(): TemplateResult {
    return html`<button class="secondary" type="button" @click=${this.onCancel}>
      ${this.t('cancel')}
    </button>`;
  }

  private renderAwaitingHandoff(): TemplateResult {
    return html`${this.renderHandoff()} ${this.renderCountdown()}
      <div class="actions">${this.renderCancel()}</div>`;
  }

  private renderAwaitingConfirmation(): TemplateResult {
    return html`<p part="status">
        <span class="spinner" aria-hidden="true"></span>${this.t('confirmTitle')}
      </p>
      ${this.renderBinding()}
      <p class="small">${this.t('confirmHelp')}</p>
      ${this.renderCountdown()}
      <div class="actions">${this.renderCancel()}</div>`;
  }

  private renderSettled(): TemplateResult {
    const merchant = this.checkout.state.view?.merchantName ?? '';
    return html`<p part="status" class="done">✓ ${this.t('settled')}</p>
      <p class="small">${this.t('settledHelp', { amount: this.formattedAmount(), merchant })}</p>`;
  }

  private renderEnded(): TemplateResult {
    const { error } = this.checkout.state;
    return html`<p part="error" role="alert">
        ${errorMessage(this.lang_, error?.code ?? 'internal_error')}
      </p>
      <div class="actions">
        <button part="button" type="button" @click=${this.onRetry}>${this.t('tryAgain')}</button>
      </div>`;
  }

  private readonly onPay = (): void => {
    void this.start().catch(() => undefined);
  };

  private readonly onCancel = (): void => {
    void this.cancel();
  };

  private readonly onRetry = (): void => {
    this.reset();
    void this.start().catch(() => undefined);
  };
}
