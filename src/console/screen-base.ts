/**
 * What every console screen shares: the API client and language handed down by the app, the
 * translations, and the two ways a screen talks back to the app: `console-navigate` (go to a
 * path) and `console-announce` (a sentence for the live region, read out by screen readers).
 */
import { LitElement, type CSSResultGroup } from 'lit';
import { property } from 'lit/decorators.js';
import { ConsoleApi, errorCodeOf } from './api.js';
import { formatDateTime, formatMoney } from './format.js';
import { consoleMessage, errorMessageKey, type ConsoleLocale, type MessageKey } from './locales.js';
import { consoleStyles } from './styles.js';

/** What the templates of a screen's parts (account-views.ts, merchant-form.ts) need. */
export interface ViewContext {
  t(key: MessageKey, values?: Record<string, string | number>): string;
  money(amount: number, currency: string): string;
  date(iso: string | null | undefined): string;
}

export interface NavigateDetail {
  path: string;
  /** Replace the history entry (a new search on the same screen) instead of adding one. */
  replace?: boolean;
}

export abstract class ConsoleScreen extends LitElement {
  static override styles: CSSResultGroup = consoleStyles;

  @property({ attribute: false }) api: ConsoleApi = new ConsoleApi();

  @property() locale: ConsoleLocale = 'en';

  protected t(key: MessageKey, values?: Record<string, string | number>): string {
    return consoleMessage(this.locale, key, values);
  }

  /** What an error means, in words, in the operator's language (never a stack trace). */
  protected errorText(error: unknown): string {
    const code = errorCodeOf(error);
    const key = errorMessageKey(code);
    return key === 'errorGeneric' ? this.t(key, { code }) : this.t(key);
  }

  /** Whether the app is about to show the sign-in screen (the call answered 401). */
  protected sessionEnded(error: unknown): boolean {
    return errorCodeOf(error) === 'unauthorized';
  }

  protected get views(): ViewContext {
    return { t: this.t.bind(this), money: this.money.bind(this), date: this.date.bind(this) };
  }

  protected money(amount: number, currency: string): string {
    return formatMoney(amount, currency, this.locale);
  }

  protected date(iso: string | null | undefined): string {
    return formatDateTime(iso, this.locale);
  }

  protected navigate(path: string, replace = false): void {
    this.dispatchEvent(
      new CustomEvent<NavigateDetail>('console-navigate', {
        detail: { path, replace },
        bubbles: true,
        composed: true,
      }),
    );
  }

  protected announce(message: string): void {
    this.dispatchEvent(
      new CustomEvent<string>('console-announce', {
        detail: message,
        bubbles: true,
        composed: true,
      }),
    );
  }

  /** Moves focus to an element of this screen by id (a section heading after an action). */
  protected focusById(id: string): void {
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`#${id}`)?.focus(),
    );
  }
}
