/** What both phone pages share: locale, messages, focus on each new step, the issuer's origin. */
import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { toCheckoutError } from '../flow/api-client.js';
import type { ErrorCode } from '../protocol/index.js';
import { phoneLocale, phoneMessage, type PhoneLocale, type PhoneMessageKey } from './locales.js';
import { phoneStyles } from './styles.js';

export abstract class PhonePage extends LitElement {
  static override styles = phoneStyles;

  /** The hand-off or enrolment code from the URL. */
  @property() code = '';

  /** Language; defaults to the phone's. */
  @property() locale = '';

  protected get lang_(): PhoneLocale {
    return phoneLocale(this.locale || navigator.language);
  }

  protected t(key: PhoneMessageKey, values?: Record<string, string>): string {
    return phoneMessage(this.lang_, key, values);
  }

  /** A stable error code for anything thrown (WebAuthn cancellations become `aborted`). */
  protected codeOf(error: unknown): ErrorCode {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'NotAllowedError' || name === 'AbortError') return 'aborted';
    return toCheckoutError(error).code;
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
