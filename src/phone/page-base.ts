/**
 * What both phone pages share: locale, messages, focus on each new step, the document around the
 * element (its colours, language and title), and cancelling what a step waits for.
 */
import { WebAuthnAbortService } from '@simplewebauthn/browser';
import { LitElement, type CSSResultGroup, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { toCheckoutError } from '../flow/api-client.js';
import type { ErrorCode } from '../protocol/index.js';
import { phoneLocale, phoneMessage, type PhoneLocale, type PhoneMessageKey } from './locales.js';
import { documentStyles, phoneStyles } from './styles.js';

/** Gives the document the pages' colours once (html and body, light and dark). */
function adoptDocumentStyles(): void {
  const sheet = documentStyles.styleSheet;
  if (!sheet || document.adoptedStyleSheets.includes(sheet)) return;
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

export abstract class PhonePage extends LitElement {
  static override styles: CSSResultGroup = phoneStyles;

  /** The hand-off or enrolment code from the URL. */
  @property() code = '';

  /** Language; defaults to the phone's. */
  @property() locale = '';

  /** What the current step waits for; `cancelWait` aborts it. */
  private pending: AbortController | null = null;

  protected get lang_(): PhoneLocale {
    return phoneLocale(this.locale || navigator.language);
  }

  protected t(key: PhoneMessageKey, values?: Record<string, string>): string {
    return phoneMessage(this.lang_, key, values);
  }

  /** The document's title, in the page's language. */
  protected abstract get titleKey(): PhoneMessageKey;

  override connectedCallback(): void {
    super.connectedCallback();
    adoptDocumentStyles();
    // The shell is English; the page speaks the phone's language (WCAG 3.1.1).
    document.documentElement.lang = this.lang_;
    document.title = this.t(this.titleKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abortWait();
  }

  /** A stable error code for anything thrown (WebAuthn cancellations become `aborted`). */
  protected codeOf(error: unknown): ErrorCode {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'NotAllowedError' || name === 'AbortError') return 'aborted';
    return toCheckoutError(error).code;
  }

  /**
   * Starts a wait (a request, or the card): any earlier wait is dropped. Check `signal.aborted`
   * after every `await`: a cancelled wait's late answer must change nothing.
   */
  protected beginWait(): AbortSignal {
    this.abortWait();
    const controller = new AbortController();
    this.pending = controller;
    return controller.signal;
  }

  /** A wait that ended by itself: nothing left to abort. */
  protected finishWait(signal: AbortSignal): void {
    if (this.pending?.signal === signal) this.pending = null;
  }

  /** Ends a wait: the request is aborted, and so is a WebAuthn ceremony under way. */
  protected abortWait(): void {
    if (!this.pending) return;
    this.pending.abort();
    this.pending = null;
    // startAuthentication/startRegistration take their signal from this service.
    WebAuthnAbortService.cancelCeremony();
  }

  /** The step this page shows; focus moves to its heading when it changes (screen readers). */
  protected abstract get step(): string;

  private lastStep = '';

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    if (this.step !== this.lastStep) {
      this.lastStep = this.step;
      this.setAttribute('lang', this.lang_);
      const heading = this.shadowRoot?.querySelector<HTMLElement>('h1');
      if (heading && this.hasUpdated) heading.focus({ preventScroll: false });
    }
  }
}
