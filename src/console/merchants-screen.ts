/**
 * `<console-merchants>`: the merchants, newest first, and "New merchant", which shows the new
 * secret key once (`POST /v1/merchants`).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { focusFirstInvalid, type FieldErrors } from './forms.js';
import { MERCHANT_FIELDS, merchantFields, readMerchantForm } from './merchant-form.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import './secret-box.js';
import type { CreatedMerchant, Merchant, MerchantFields } from './types.js';

const EMPTY: MerchantFields = { name: '', allowedOrigins: [], mode: 'test' };

export function modeBadge(v: ConsoleScreen['views'], mode: Merchant['mode']): TemplateResult {
  return html`<span class="badge ${mode}">${v.t(mode === 'live' ? 'modeLive' : 'modeTest')}</span>`;
}

export class ConsoleMerchants extends ConsoleScreen {
  @state() private merchants: Merchant[] | null = null;
  @state() private error = '';
  @state() private formError = '';
  @state() private errors: FieldErrors = {};
  @state() private busy = false;
  @state() private created: CreatedMerchant | null = null;
  /** Bumped to give the form fresh, empty fields after a creation. */
  @state() private formKey = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.merchants = await this.api.merchants();
      this.error = '';
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    }
  }

  private async create(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const read = readMerchantForm(this.renderRoot, this.views.t);
    this.formError = '';
    if ('errors' in read) {
      this.errors = read.errors;
      await this.updateComplete;
      focusFirstInvalid(this.renderRoot, this.errors, MERCHANT_FIELDS);
      return;
    }
    this.errors = {};
    this.busy = true;
    try {
      this.created = await this.api.createMerchant(read.fields);
      this.announce(this.t('merchantCreated', { name: read.fields.name }));
      this.formKey++;
      await this.load();
    } catch (error) {
      if (!this.sessionEnded(error)) this.formError = this.errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private renderTable(merchants: Merchant[]): TemplateResult {
    if (merchants.length === 0) return html`<p class="notice">${this.t('noMerchants')}</p>`;
    return html`<div
      class="table-wrap"
      role="region"
      aria-labelledby="merchants-caption"
      tabindex="0"
    >
      <table>
        <caption id="merchants-caption">
          ${this.t('merchantsCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t('colName')}</th>
            <th scope="col">${this.t('colId')}</th>
            <th scope="col">${this.t('mode')}</th>
            <th scope="col">${this.t('allowedOrigins')}</th>
            <th scope="col">${this.t('created')}</th>
          </tr>
        </thead>
        <tbody>
          ${merchants.map(
            (merchant) =>
              html`<tr>
                <th scope="row">
                  <a href=${routePath({ name: 'merchant', id: merchant.id })}>${merchant.name}</a>
                </th>
                <td><code>${merchant.id}</code></td>
                <td>${modeBadge(this.views, merchant.mode)}</td>
                <td>
                  ${merchant.allowedOrigins.map((origin) => html`<code>${origin}</code><br />`)}
                </td>
                <td>${this.date(merchant.createdAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderCreate(): TemplateResult {
    return html`<section aria-labelledby="new-merchant-title">
      <h2 id="new-merchant-title">${this.t('newMerchant')}</h2>
      ${
        this.created
          ? html`<console-secret
              .api=${this.api}
              locale=${this.locale}
              secret=${this.created.secretKey}
              merchantName=${this.created.name}
              @console-dismiss=${() => {
                this.created = null;
                this.focusById('new-merchant-title');
              }}
            ></console-secret>`
          : nothing
      }
      <form novalidate @submit=${(event: SubmitEvent) => void this.create(event)}>
        ${keyed(this.formKey, merchantFields(this.views, EMPTY, this.errors))}
        ${this.formError ? html`<p class="message" role="alert">${this.formError}</p>` : nothing}
        <button class="primary" type="submit" ?disabled=${this.busy}>
          ${this.t('createMerchant')}
        </button>
      </form>
    </section>`;
  }

  protected override render(): TemplateResult {
    return html`<h1 tabindex="-1">${this.t('merchantsTitle')}</h1>
      ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
      ${
        this.merchants
          ? this.renderTable(this.merchants)
          : this.error
            ? nothing
            : html`<p>${this.t('loading')}</p>`
      }
      ${this.renderCreate()}`;
  }
}

if (!customElements.get('console-merchants')) {
  customElements.define('console-merchants', ConsoleMerchants);
}
