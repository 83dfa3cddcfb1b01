/**
 * `<dualpay-console>`: the operator console at `/console` — the enrolment desk and back office.
 * It owns the session (signed in with an admin key, exchanged for an HttpOnly cookie), the route
 * (router.ts), the language and the live region, and shows one screen at a time. On each new
 * screen focus moves to its heading; when any call answers 401 the sign-in screen comes back with
 * "Your session ended"; when the idle time runs out locally it asks the issuer first.
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { ConsoleApi } from './api.js';
import './account-screen.js';
import './accounts-screen.js';
import './audit-screen.js';
import { appStyles } from './app-styles.js';
import { consoleLocale, consoleMessage, type ConsoleLocale, type MessageKey } from './locales.js';
import './merchant-screen.js';
import './merchants-screen.js';
import './new-account-screen.js';
import { isInAppClick, parseRoute, routePath, screenKey, section, type Route } from './router.js';
import type { NavigateDetail } from './screen-base.js';
import { IdleWatch } from './idle.js';
import './sign-in.js';
import { consoleStyles, documentStyles } from './styles.js';
import type { ConsoleSession } from './types.js';

const LOCALE_KEY = 'dualpay-console-locale';

function savedLocale(): ConsoleLocale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (saved === 'en' || saved === 'ko') return saved;
  } catch {
    // Storage blocked: follow the browser.
  }
  return consoleLocale(navigator.language);
}

const TITLES: Record<Route['name'], MessageKey> = {
  accounts: 'accountsTitle',
  'new-account': 'newAccountTitle',
  account: 'accountTitle',
  merchants: 'merchantsTitle',
  merchant: 'merchantTitle',
  audit: 'auditTitle',
  'not-found': 'notFoundTitle',
};

export class DualpayConsole extends LitElement {
  static override styles = [consoleStyles, appStyles];

  /** `undefined` while the issuer is asked whether a session exists. */
  @state() private session: ConsoleSession | null | undefined = undefined;
  @state() private route: Route = parseRoute(location.pathname, location.search);
  @state() private locale: ConsoleLocale = savedLocale();
  @state() private notice: MessageKey | '' = '';
  @state() private announcement = '';
  private readonly api = new ConsoleApi();
  private readonly idle = new IdleWatch(this.api);
  private shownScreen = '';

  private readonly onPopState = (): void => {
    this.route = parseRoute(location.pathname, location.search);
  };

  /** Links to `/console…` are handled here, without a page load. */
  private readonly onClick = (event: MouseEvent): void => {
    const anchor = event
      .composedPath()
      .find((target): target is HTMLAnchorElement => target instanceof HTMLAnchorElement);
    if (!anchor || event.defaultPrevented || anchor.target) return;
    if (!isInAppClick(event, anchor.href, location.origin)) return;
    event.preventDefault();
    const url = new URL(anchor.href);
    this.go({ path: `${url.pathname}${url.search}` });
  };

  override connectedCallback(): void {
    super.connectedCallback();
    const sheet = documentStyles.styleSheet;
    if (sheet && !document.adoptedStyleSheets.includes(sheet)) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    window.addEventListener('popstate', this.onPopState);
    this.addEventListener('click', this.onClick);
    this.api.onSessionEnded = () => this.endSession('sessionEnded');
    void this.loadSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
    this.removeEventListener('click', this.onClick);
    this.idle.stop();
  }

  private t(key: MessageKey, values?: Record<string, string | number>): string {
    return consoleMessage(this.locale, key, values);
  }

  private async loadSession(): Promise<void> {
    try {
      this.signedIn(await this.api.session());
    } catch {
      this.session = null;
    }
  }

  private signedIn(session: ConsoleSession): void {
    this.session = session;
    this.notice = '';
    this.idle.start(session);
  }

  private endSession(notice: MessageKey): void {
    // Only a session that was on screen can end (the first look-up's 401 just means signed out).
    if (!this.session) return;
    this.idle.stop();
    this.session = null;
    this.notice = notice;
  }

  private async signOut(): Promise<void> {
    try {
      await this.api.signOut();
    } catch (error) {
      // 401: already ended. Anything else: still signed in; say so.
      if ((error as { code?: string }).code !== 'unauthorized') {
        void this.announce(this.t('signOutFailed'));
        return;
      }
    }
    this.endSession('signedOut');
  }

  private go({ path, replace }: NavigateDetail): void {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    const url = new URL(path, location.origin);
    this.route = parseRoute(url.pathname, url.search);
  }

  private async announce(message: string): Promise<void> {
    // Emptied first, so the same sentence twice is read twice.
    this.announcement = '';
    await this.updateComplete;
    this.announcement = message;
  }

  private setLocale(locale: ConsoleLocale): void {
    this.locale = locale;
    try {
      localStorage.setItem(LOCALE_KEY, locale);
    } catch {
      // Not remembered; still switched.
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    document.documentElement.lang = this.locale;
    const key = this.session === undefined ? '' : this.session ? screenKey(this.route) : 'sign-in';
    document.title = `${this.t(this.session === null ? 'signInTitle' : TITLES[this.route.name])} — ${this.t('brandConsole')}`;
    if (key === this.shownScreen) return;
    const first = this.shownScreen === '';
    this.shownScreen = key;
    if (!first) void this.focusHeading();
  }

  /** Focus to the new screen's heading (WCAG 2.4.3): screen readers read where they are. */
  private async focusHeading(): Promise<void> {
    const screen = this.renderRoot.querySelector('main > *');
    if (screen instanceof LitElement) {
      await screen.updateComplete;
      screen.shadowRoot?.querySelector<HTMLElement>('h1')?.focus();
    } else {
      this.renderRoot.querySelector<HTMLElement>('main h1')?.focus();
    }
  }

  private renderNav(): TemplateResult {
    const current = section(this.route);
    const item = (name: 'accounts' | 'merchants' | 'audit', path: string, label: MessageKey) =>
      html`<li>
        <a href=${path} aria-current=${current === name ? 'page' : nothing}>${this.t(label)}</a>
      </li>`;
    return html`<nav aria-label=${this.t('menu')}>
      <ul>
        ${item('accounts', routePath({ name: 'accounts', query: '' }), 'navAccounts')}
        ${item('merchants', routePath({ name: 'merchants' }), 'navMerchants')}
        ${item('audit', routePath({ name: 'audit', filters: {} }), 'navAudit')}
      </ul>
    </nav>`;
  }

  private renderHeader(): TemplateResult {
    const session = this.session;
    return html`<header>
      <div class="bar">
        <p class="brand">dualpay <span>${this.t('brandConsole')}</span></p>
        ${session ? this.renderNav() : nothing}
        <div class="who">
          ${
            session
              ? html`<span class="label">${this.t('signedInAs', { label: session.label })}</span>
                  <button type="button" @click=${() => void this.signOut()}>
                    ${this.t('signOut')}
                  </button>`
              : nothing
          }
          <label class="visually-hidden" for="language">${this.t('language')}</label>
          <select
            id="language"
            @change=${(event: Event) =>
              this.setLocale((event.target as HTMLSelectElement).value as ConsoleLocale)}
          >
            <option value="en" lang="en" ?selected=${this.locale === 'en'}>English</option>
            <option value="ko" lang="ko" ?selected=${this.locale === 'ko'}>한국어</option>
          </select>
        </div>
      </div>
    </header>`;
  }

  private renderScreen(): TemplateResult {
    const route = this.route;
    const common = { api: this.api, locale: this.locale };
    switch (route.name) {
      case 'accounts':
        return html`<console-accounts
          .api=${common.api}
          locale=${common.locale}
          query=${route.query}
        ></console-accounts>`;
      case 'new-account':
        return html`<console-new-account
          .api=${common.api}
          locale=${common.locale}
        ></console-new-account>`;
      case 'account':
        return html`<console-account
          .api=${common.api}
          locale=${common.locale}
          accountId=${route.id}
        ></console-account>`;
      case 'merchants':
        return html`<console-merchants
          .api=${common.api}
          locale=${common.locale}
        ></console-merchants>`;
      case 'merchant':
        return html`<console-merchant
          .api=${common.api}
          locale=${common.locale}
          merchantId=${route.id}
        ></console-merchant>`;
      case 'audit':
        return html`<console-audit
          .api=${common.api}
          locale=${common.locale}
          .filters=${route.filters}
        ></console-audit>`;
      case 'not-found':
        return html`<section>
          <h1 tabindex="-1">${this.t('notFoundTitle')}</h1>
          <p>
            <a href=${routePath({ name: 'accounts', query: '' })}>${this.t('backToAccounts')}</a>
          </p>
        </section>`;
    }
  }

  protected override render(): TemplateResult {
    const session = this.session;
    return html`${this.renderHeader()}
      <main
        @console-navigate=${(event: CustomEvent<NavigateDetail>) => this.go(event.detail)}
        @console-announce=${(event: CustomEvent<string>) => void this.announce(event.detail)}
        @console-signed-in=${(event: CustomEvent<ConsoleSession>) => this.signedIn(event.detail)}
      >
        ${
          session === undefined
            ? html`<p>${this.t('loading')}</p>`
            : session === null
              ? html`<console-sign-in
                  .api=${this.api}
                  locale=${this.locale}
                  notice=${this.notice}
                ></console-sign-in>`
              : keyed(screenKey(this.route), this.renderScreen())
        }
      </main>
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>`;
  }
}

if (!customElements.get('dualpay-console'))
  customElements.define('dualpay-console', DualpayConsole);
