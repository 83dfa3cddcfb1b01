/**
 * `<console-merchant>`: one merchant: its details and secret keys (prefixes only), editing name,
 * allowed origins and mode (`PATCH /v1/merchants/:id`), and rolling the secret key with an optional
 * overlap during which the previous key still works (`POST /v1/merchants/:id/roll-secret-key`). The
 * new key is shown once. Its webhooks are `<console-webhooks>` (webhook-panel.ts).
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { ConsoleConfirm } from './confirm-dialog.js';
import './confirm-dialog.js';
import {
  MAX_OVERLAP_MINUTES,
  describedBy,
  fieldError,
  focusFirstInvalid,
  invalid,
  overlapMinutes,
  type FieldErrors,
} from './forms.js';
import { MERCHANT_FIELDS, merchantFields, readMerchantForm } from './merchant-form.js';
import { modeBadge } from './merchants-screen.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import './secret-box.js';
import type { Merchant } from './types.js';
import './webhook-panel.js';

export class ConsoleMerchant extends ConsoleScreen {
  @property() merchantId = '';

  @state() private merchant: Merchant | null = null;
  @state() private error = '';
  @state() private errors: FieldErrors = {};
  @state() private busy = false;
  @state() private newSecret: string | null = null;
  @query('console-confirm') private confirm!: ConsoleConfirm;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('merchantId')) void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.merchant = await this.api.merchant(this.merchantId);
      this.error = '';
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    }
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const read = readMerchantForm(this.renderRoot, this.views.t);
    if ('errors' in read) {
      this.errors = read.errors;
      await this.updateComplete;
      focusFirstInvalid(this.renderRoot, this.errors, MERCHANT_FIELDS);
      return;
    }
    this.errors = {};
    this.busy = true;
    this.error = '';
    try {
      await this.api.updateMerchant(this.merchantId, read.fields);
      await this.load();
      this.announce(this.t('changesSaved'));
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private async roll(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#overlap');
    const minutes = overlapMinutes(input);
    if (minutes === null) {
      this.errors = { overlap: this.t('errOverlap', { max: MAX_OVERLAP_MINUTES }) };
      await this.updateComplete;
      input?.focus();
      return;
    }
    this.errors = {};
    const confirmed = await this.confirm.ask({
      title: this.t('rollConfirmTitle', { name: this.merchant?.name ?? '' }),
      body:
        minutes === 0
          ? this.t('rollConfirmNow')
          : this.t('rollConfirmOverlap', { minutes: String(minutes) }),
      confirmLabel: this.t('rollKey'),
      cancelLabel: this.t('cancel'),
      danger: true,
    });
    if (!confirmed) return;
    this.busy = true;
    try {
      const rolled = await this.api.rollSecretKey(this.merchantId, minutes * 60);
      this.newSecret = rolled.secretKey;
      this.announce(this.t('keyRolled', { at: this.date(rolled.previousKeyExpiresAt) }));
      await this.load();
    } catch (error) {
      if (!this.sessionEnded(error)) this.error = this.errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private renderKeys(merchant: Merchant): TemplateResult {
    return html`<div class="table-wrap" role="region" aria-labelledby="keys-caption" tabindex="0">
      <table>
        <caption id="keys-caption" class="visually-hidden">
          ${this.t('keysCaption', { name: merchant.name })}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t('keyPrefix')}</th>
            <th scope="col">${this.t('created')}</th>
            <th scope="col">${this.t('keyExpires')}</th>
          </tr>
        </thead>
        <tbody>
          ${(merchant.secretKeys ?? []).map(
            (key) =>
              html`<tr>
                <th scope="row"><code>${key.prefix}…</code></th>
                <td>${this.date(key.createdAt)}</td>
                <td>${key.expiresAt ? this.date(key.expiresAt) : this.t('keyCurrent')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderRoll(merchant: Merchant): TemplateResult {
    const e = this.errors;
    return html`<section aria-labelledby="keys-title">
      <h2 id="keys-title" tabindex="-1">${this.t('keysTitle')}</h2>
      ${this.renderKeys(merchant)}
      ${
        this.newSecret
          ? html`<console-secret
              .api=${this.api}
              locale=${this.locale}
              secret=${this.newSecret}
              merchantName=${merchant.name}
              @console-dismiss=${() => {
                this.newSecret = null;
                this.focusById('keys-title');
              }}
            ></console-secret>`
          : nothing
      }
      <form novalidate @submit=${(event: SubmitEvent) => void this.roll(event)}>
        <div class="field">
          <label for="overlap">${this.t('overlapMinutes')}</label>
          <input
            id="overlap"
            inputmode="numeric"
            autocomplete="off"
            value="0"
            aria-invalid=${invalid('overlap', e)}
            aria-describedby=${describedBy('overlap', e)}
          />
          <p class="help" id="overlap-help">${this.t('overlapHelp')}</p>
          ${fieldError('overlap', e)}
        </div>
        <button class="danger" type="submit" ?disabled=${this.busy}>${this.t('rollKey')}</button>
      </form>
    </section>`;
  }

  private renderMerchant(merchant: Merchant): TemplateResult {
    return html`<dl class="details">
        <dt>${this.t('colId')}</dt>
        <dd><code>${merchant.id}</code></dd>
        <dt>${this.t('mode')}</dt>
        <dd>${modeBadge(this.views, merchant.mode)}</dd>
        <dt>${this.t('created')}</dt>
        <dd>${this.date(merchant.createdAt)}</dd>
      </dl>
      <section aria-labelledby="edit-title">
        <h2 id="edit-title">${this.t('editMerchant')}</h2>
        <form novalidate @submit=${(event: SubmitEvent) => void this.save(event)}>
          ${merchantFields(this.views, merchant, this.errors)}
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.t('saveChanges')}
          </button>
        </form>
      </section>
      ${this.renderRoll(merchant)}
      <console-webhooks
        .api=${this.api}
        .merchant=${merchant}
        locale=${this.locale}
        @console-reload=${() => void this.load()}
      ></console-webhooks>
      <p class="more">
        <a href=${routePath({ name: 'audit', filters: { merchantId: merchant.id } })}
          >${this.t('auditOfMerchant')}</a
        >
      </p>`;
  }

  protected override render(): TemplateResult {
    const merchant = this.merchant;
    return html`<p class="crumbs">
        <a href=${routePath({ name: 'merchants' })}>${this.t('backToMerchants')}</a>
      </p>
      <h1 tabindex="-1">${merchant ? merchant.name : this.t('merchantTitle')}</h1>
      ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
      ${
        merchant
          ? this.renderMerchant(merchant)
          : this.error
            ? nothing
            : html`<p>${this.t('loading')}</p>`
      }
      <console-confirm></console-confirm>`;
  }
}

if (!customElements.get('console-merchant')) {
  customElements.define('console-merchant', ConsoleMerchant);
}
