/**
 * `<console-accounts>`: the payer accounts, newest first, with a search by name or id
 * (`GET /v1/accounts?query=`). The search is in the URL (`/console?query=…`), so a reload or the
 * Back button shows the same results.
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import type { Account } from './types.js';

export class ConsoleAccounts extends ConsoleScreen {
  @property() query = '';

  @state() private accounts: Account[] | null = null;
  @state() private error = '';
  private loading = 0;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('query')) void this.load();
  }

  private async load(): Promise<void> {
    const ticket = ++this.loading;
    this.error = '';
    try {
      const accounts = await this.api.accounts(this.query);
      if (ticket !== this.loading) return;
      this.accounts = accounts;
      this.announce(this.t('accountsFound', { count: accounts.length }));
    } catch (error) {
      if (ticket !== this.loading || this.sessionEnded(error)) return;
      this.error = this.errorText(error);
    }
  }

  private search(event: SubmitEvent): void {
    event.preventDefault();
    const value = this.renderRoot.querySelector<HTMLInputElement>('#search')?.value.trim() ?? '';
    if (value === this.query) void this.load();
    else this.navigate(routePath({ name: 'accounts', query: value }), true);
  }

  private renderRow(account: Account): TemplateResult {
    const path = routePath({ name: 'account', id: account.id });
    return html`<tr>
      <th scope="row"><a href=${path}>${account.displayName}</a></th>
      <td><code>${account.id}</code></td>
      <td>${account.currency}</td>
      <td class="num">${this.money(account.monthlyLimit, account.currency)}</td>
      <td>
        ${
          account.frozen
            ? html`<span class="badge frozen">${this.t('frozen')}</span>`
            : html`<span class="muted">${this.t('statusActive')}</span>`
        }
      </td>
      <td class="num">${account.cards.length}</td>
    </tr>`;
  }

  private renderTable(accounts: Account[]): TemplateResult {
    if (accounts.length === 0) {
      return html`<p class="notice">
        ${this.query ? this.t('noAccountsMatch', { query: this.query }) : this.t('noAccounts')}
      </p>`;
    }
    return html`<div
      class="table-wrap"
      role="region"
      aria-labelledby="accounts-caption"
      tabindex="0"
    >
      <table>
        <caption id="accounts-caption">
          ${this.query ? this.t('accountsMatching', { query: this.query }) : this.t('accountsCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t('colName')}</th>
            <th scope="col">${this.t('colId')}</th>
            <th scope="col">${this.t('colCurrency')}</th>
            <th scope="col" class="num">${this.t('colMonthlyLimit')}</th>
            <th scope="col">${this.t('colStatus')}</th>
            <th scope="col" class="num">${this.t('colCards')}</th>
          </tr>
        </thead>
        <tbody>
          ${accounts.map((account) => this.renderRow(account))}
        </tbody>
      </table>
    </div>`;
  }

  protected override render(): TemplateResult {
    return html`<div class="head">
        <h1 tabindex="-1">${this.t('accountsTitle')}</h1>
        <a class="button primary" href=${routePath({ name: 'new-account' })}
          >${this.t('newAccount')}</a
        >
      </div>
      <form role="search" @submit=${(event: SubmitEvent) => this.search(event)}>
        <label for="search">${this.t('searchAccounts')}</label>
        <div class="inline">
          <div class="grow">
            <input
              id="search"
              type="search"
              autocomplete="off"
              .value=${this.query}
              aria-describedby="search-help"
            />
          </div>
          <button type="submit">${this.t('search')}</button>
        </div>
        <p class="help" id="search-help">${this.t('searchAccountsHelp')}</p>
      </form>
      ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
      ${
        this.accounts
          ? this.renderTable(this.accounts)
          : this.error
            ? nothing
            : html`<p>${this.t('loading')}</p>`
      }`;
  }
}

if (!customElements.get('console-accounts')) {
  customElements.define('console-accounts', ConsoleAccounts);
}
