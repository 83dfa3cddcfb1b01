/**
 * `<console-webhooks>`: the webhooks of one merchant, on its page. Its webhook URL, set or removed
 * (`PATCH /v1/merchants/:id`; the issuer's refusal, such as a private address, shown under the
 * field); its signing secrets' dates, and a roll with an optional overlap
 * (`POST /v1/merchants/:id/roll-webhook-secret`); a new secret (`whsec_…`) is shown once. Then the
 * delivery log (`GET /v1/merchants/:id/webhook-events`): each event with its status, attempts and
 * next try, and "Redeliver" (`POST /v1/webhook-events/:id/redeliver`). Tells the merchant page
 * to read the merchant again with `console-reload`.
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { errorCodeOf } from './api.js';
import type { ConsoleConfirm } from './confirm-dialog.js';
import './confirm-dialog.js';
import {
  MAX_OVERLAP_MINUTES,
  describedBy,
  fieldError,
  invalid,
  overlapMinutes,
  type FieldErrors,
} from './forms.js';
import { ConsoleScreen } from './screen-base.js';
import './secret-box.js';
import type { Merchant, WebhookEventPage, WebhookEventView } from './types.js';

/** The issuer's codes that are about the URL typed (shown under the field). */
const URL_CODES = new Set(['webhook_url_not_allowed', 'invalid_request']);

export class ConsoleWebhooks extends ConsoleScreen {
  @property({ attribute: false }) merchant: Merchant | null = null;

  @state() private events: WebhookEventView[] | null = null;
  @state() private nextCursor: string | null = null;
  @state() private error = '';
  @state() private errors: FieldErrors = {};
  @state() private busy = false;
  @state() private newSecret: string | null = null;
  @query('console-confirm') private confirm!: ConsoleConfirm;

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get('merchant') as Merchant | null | undefined;
    if (changed.has('merchant') && this.merchant && before?.id !== this.merchant.id) {
      void this.loadEvents();
    }
  }

  private get merchantId(): string {
    return this.merchant?.id ?? '';
  }

  private reloadMerchant(): void {
    this.dispatchEvent(new CustomEvent('console-reload', { bubbles: true, composed: true }));
  }

  /** Runs a change: busy meanwhile, a refusal shown (under the URL field when it is about it). */
  private async run(action: () => Promise<void>, urlField = false): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      await action();
    } catch (error) {
      if (this.sessionEnded(error)) return;
      if (urlField && URL_CODES.has(errorCodeOf(error))) {
        this.errors = { 'webhook-url': this.errorText(error) };
        this.focusById('webhook-url');
      } else {
        this.error = this.errorText(error);
      }
    } finally {
      this.busy = false;
    }
  }

  private async loadEvents(more = false): Promise<void> {
    await this.run(async () => {
      const page: WebhookEventPage = await this.api.webhookEvents(
        this.merchantId,
        more ? (this.nextCursor ?? undefined) : undefined,
      );
      this.events = more ? [...(this.events ?? []), ...page.events] : page.events;
      this.nextCursor = page.nextCursor;
    });
  }

  private async saveUrl(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#webhook-url');
    const url = (input?.value ?? '').trim();
    if (!url) {
      this.errors = { 'webhook-url': this.t('errWebhookUrlRequired') };
      this.focusById('webhook-url');
      return;
    }
    this.errors = {};
    await this.run(async () => {
      const updated = await this.api.updateMerchant(this.merchantId, { webhookUrl: url });
      if (updated.webhookSecret) this.newSecret = updated.webhookSecret;
      this.announce(this.t(updated.webhookSecret ? 'webhookUrlSetSecret' : 'webhookUrlSaved'));
      this.reloadMerchant();
    }, true);
  }

  private async removeUrl(): Promise<void> {
    const confirmed = await this.confirm.ask({
      title: this.t('webhookRemoveTitle', { name: this.merchant?.name ?? '' }),
      body: this.t('webhookRemoveBody'),
      confirmLabel: this.t('webhookRemove'),
      cancelLabel: this.t('cancel'),
      danger: true,
    });
    if (!confirmed) return;
    this.errors = {};
    await this.run(async () => {
      await this.api.updateMerchant(this.merchantId, { webhookUrl: null });
      this.announce(this.t('webhookUrlRemoved'));
      this.reloadMerchant();
    });
  }

  private async roll(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#webhook-overlap');
    const minutes = overlapMinutes(input);
    if (minutes === null) {
      this.errors = { 'webhook-overlap': this.t('errOverlap', { max: MAX_OVERLAP_MINUTES }) };
      this.focusById('webhook-overlap');
      return;
    }
    this.errors = {};
    const confirmed = await this.confirm.ask({
      title: this.t('webhookRollTitle', { name: this.merchant?.name ?? '' }),
      body:
        minutes === 0
          ? this.t('webhookRollNow')
          : this.t('webhookRollOverlap', { minutes: String(minutes) }),
      confirmLabel: this.t('webhookRoll'),
      cancelLabel: this.t('cancel'),
      danger: true,
    });
    if (!confirmed) return;
    await this.run(async () => {
      const rolled = await this.api.rollWebhookSecret(this.merchantId, minutes * 60);
      this.newSecret = rolled.webhookSecret;
      this.announce(this.t('webhookRolled', { at: this.date(rolled.previousSecretExpiresAt) }));
      this.reloadMerchant();
    });
  }

  private async redeliver(event: WebhookEventView): Promise<void> {
    await this.run(async () => {
      await this.api.redeliverWebhookEvent(event.id);
      this.announce(this.t('webhookRedelivering', { id: event.id }));
    });
    await this.loadEvents();
  }

  private renderUrl(merchant: Merchant): TemplateResult {
    const e = this.errors;
    return html`<form novalidate @submit=${(event: SubmitEvent) => void this.saveUrl(event)}>
      <div class="field">
        <label for="webhook-url">${this.t('webhookUrl')}</label>
        <input
          id="webhook-url"
          type="url"
          inputmode="url"
          spellcheck="false"
          autocomplete="off"
          maxlength="2048"
          placeholder="https://shop.example/dualpay/webhooks"
          .value=${merchant.webhookUrl ?? ''}
          aria-invalid=${invalid('webhook-url', e)}
          aria-describedby=${describedBy('webhook-url', e)}
        />
        <p class="help" id="webhook-url-help">${this.t('webhookUrlHelp')}</p>
        ${fieldError('webhook-url', e)}
      </div>
      <div class="actions">
        <button class="primary" type="submit" ?disabled=${this.busy}>
          ${this.t('webhookSave')}
        </button>
        ${
          merchant.webhookUrl
            ? html`<button
                class="danger"
                type="button"
                ?disabled=${this.busy}
                @click=${() => void this.removeUrl()}
              >
                ${this.t('webhookRemove')}
              </button>`
            : nothing
        }
      </div>
    </form>`;
  }

  private renderSecrets(merchant: Merchant): TemplateResult {
    const secrets = merchant.webhookSecrets ?? [];
    const e = this.errors;
    const table = html`<div
      class="table-wrap"
      role="region"
      aria-labelledby="webhook-secrets-caption"
      tabindex="0"
    >
      <table>
        <caption id="webhook-secrets-caption" class="visually-hidden">
          ${this.t('webhookSecretsCaption', { name: merchant.name })}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t('created')}</th>
            <th scope="col">${this.t('webhookSecretStops')}</th>
          </tr>
        </thead>
        <tbody>
          ${secrets.map(
            (secret) =>
              html`<tr>
                <th scope="row">${this.date(secret.createdAt)}</th>
                <td>
                  ${secret.expiresAt ? this.date(secret.expiresAt) : this.t('webhookSecretCurrent')}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
    return html`<h3 id="webhook-secrets-title" tabindex="-1">${this.t('webhookSecrets')}</h3>
      ${secrets.length > 0 ? table : html`<p>${this.t('webhookNoSecret')}</p>`}
      ${
        this.newSecret
          ? html`<console-secret
              .api=${this.api}
              locale=${this.locale}
              secret=${this.newSecret}
              merchantName=${merchant.name}
              kind="webhook"
              @console-dismiss=${() => {
                this.newSecret = null;
                this.focusById('webhook-secrets-title');
              }}
            ></console-secret>`
          : nothing
      }
      ${
        secrets.length > 0
          ? html`<form novalidate @submit=${(event: SubmitEvent) => void this.roll(event)}>
              <div class="field">
                <label for="webhook-overlap">${this.t('overlapMinutes')}</label>
                <input
                  id="webhook-overlap"
                  inputmode="numeric"
                  autocomplete="off"
                  value="0"
                  aria-invalid=${invalid('webhook-overlap', e)}
                  aria-describedby=${describedBy('webhook-overlap', e)}
                />
                <p class="help" id="webhook-overlap-help">${this.t('webhookOverlapHelp')}</p>
                ${fieldError('webhook-overlap', e)}
              </div>
              <button class="danger" type="submit" ?disabled=${this.busy}>
                ${this.t('webhookRoll')}
              </button>
            </form>`
          : nothing
      }`;
  }

  private renderAttempts(event: WebhookEventView): TemplateResult {
    if (event.attempts.length === 0) return html`${this.t('webhookNoAttempt')}`;
    return html`<details>
      <summary>${this.t('webhookAttemptCount', { count: event.attempts.length })}</summary>
      <ol class="attempts">
        ${event.attempts.map(
          (attempt) =>
            html`<li>
              ${this.date(attempt.at)} —
              ${
                attempt.statusCode !== null
                  ? html`<code>HTTP ${attempt.statusCode}</code>`
                  : html`<code>${attempt.error ?? ''}</code>`
              }
              (${attempt.durationMs} ms)
            </li>`,
        )}
      </ol>
    </details>`;
  }

  private renderEvent(event: WebhookEventView): TemplateResult {
    return html`<tr>
      <th scope="row">
        <code class="action">${event.type}</code><br /><code class="event-id">${event.id}</code>
      </th>
      <td class="nowrap">${this.date(event.createdAt)}</td>
      <td>
        <span class="badge webhook-${event.status}"
          >${this.t(
            event.status === 'delivered'
              ? 'webhookDelivered'
              : event.status === 'failed'
                ? 'webhookFailed'
                : 'webhookPending',
          )}</span
        >
      </td>
      <td>${this.renderAttempts(event)}</td>
      <td class="nowrap">
        ${event.status === 'pending' && event.nextAttemptAt ? this.date(event.nextAttemptAt) : '—'}
      </td>
      <td>
        <button
          type="button"
          ?disabled=${this.busy}
          aria-label=${this.t('webhookRedeliverOf', { id: event.id })}
          @click=${() => void this.redeliver(event)}
        >
          ${this.t('webhookRedeliver')}
        </button>
      </td>
    </tr>`;
  }

  private renderLog(): TemplateResult {
    const events = this.events;
    if (events === null) return html`<p>${this.t('loading')}</p>`;
    if (events.length === 0) return html`<p>${this.t('webhookNoEvents')}</p>`;
    return html`<div
        class="table-wrap"
        role="region"
        aria-labelledby="webhook-log-caption"
        tabindex="0"
      >
        <table class="webhook-log">
          <caption id="webhook-log-caption" class="visually-hidden">
            ${this.t('webhookLogCaption', { name: this.merchant?.name ?? '' })}
          </caption>
          <thead>
            <tr>
              <th scope="col">${this.t('webhookEvent')}</th>
              <th scope="col">${this.t('created')}</th>
              <th scope="col">${this.t('webhookStatus')}</th>
              <th scope="col">${this.t('webhookAttempts')}</th>
              <th scope="col">${this.t('webhookNextTry')}</th>
              <th scope="col"><span class="visually-hidden">${this.t('webhookActions')}</span></th>
            </tr>
          </thead>
          <tbody>
            ${events.map((event) => this.renderEvent(event))}
          </tbody>
        </table>
      </div>
      ${
        this.nextCursor
          ? html`<button
              type="button"
              ?disabled=${this.busy}
              @click=${() => void this.loadEvents(true)}
            >
              ${this.t('webhookMore')}
            </button>`
          : nothing
      }`;
  }

  protected override render(): TemplateResult | typeof nothing {
    const merchant = this.merchant;
    if (!merchant) return nothing;
    return html`<section aria-labelledby="webhooks-title">
        <h2 id="webhooks-title" tabindex="-1">${this.t('webhooksTitle')}</h2>
        ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
        ${this.renderUrl(merchant)} ${this.renderSecrets(merchant)}
      </section>
      <section aria-labelledby="webhook-log-title">
        <h2 id="webhook-log-title">${this.t('webhookLogTitle')}</h2>
        <button type="button" ?disabled=${this.busy} @click=${() => void this.loadEvents()}>
          ${this.t('webhookRefresh')}
        </button>
        ${this.renderLog()}
      </section>
      <console-confirm></console-confirm>`;
  }
}

if (!customElements.get('console-webhooks')) {
  customElements.define('console-webhooks', ConsoleWebhooks);
}
