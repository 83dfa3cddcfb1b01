/**
 * `<console-audit>`: the audit log, newest first (`GET /v1/audit-events`), filtered by account,
 * card, merchant, session, action and days, with "Load more" following the issuer's cursor. The
 * filters are in the URL (`/console/audit?accountId=…`). Details are shown as JSON text, never as
 * markup.
 */
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { detailText } from './format.js';
import { valueOf } from './forms.js';
import type { MessageKey } from './locales.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import { AUDIT_FILTER_KEYS, type AuditEvent, type AuditFilters } from './types.js';

const FILTER_LABELS = {
  accountId: 'filterAccount',
  cardId: 'filterCard',
  merchantId: 'filterMerchant',
  sessionId: 'filterSession',
  action: 'filterAction',
  from: 'filterFrom',
  to: 'filterTo',
} as const satisfies Record<keyof AuditFilters, MessageKey>;

export class ConsoleAudit extends ConsoleScreen {
  @property({ attribute: false }) filters: AuditFilters = {};

  @state() private events: AuditEvent[] | null = null;
  @state() private cursor: string | null = null;
  @state() private error = '';
  @state() private busy = false;
  private loading = 0;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('filters')) void this.load(false);
  }

  private async load(more: boolean): Promise<void> {
    const ticket = ++this.loading;
    this.busy = true;
    this.error = '';
    try {
      const page = await this.api.auditEvents(this.filters, more ? (this.cursor ?? '') : '');
      if (ticket !== this.loading) return;
      this.events = more ? [...(this.events ?? []), ...page.events] : page.events;
      this.cursor = page.nextCursor;
      this.announce(
        this.t(more ? 'eventsMore' : 'eventsFound', {
          count: page.events.length,
          total: this.events.length,
        }),
      );
    } catch (error) {
      if (ticket !== this.loading || this.sessionEnded(error)) return;
      this.error = this.errorText(error);
    } finally {
      if (ticket === this.loading) this.busy = false;
    }
  }

  private apply(event: SubmitEvent): void {
    event.preventDefault();
    const filters: AuditFilters = {};
    for (const key of AUDIT_FILTER_KEYS) {
      const value = valueOf(this.renderRoot, `filter-${key}`);
      if (value) filters[key] = value;
    }
    const path = routePath({ name: 'audit', filters });
    if (path === routePath({ name: 'audit', filters: this.filters })) void this.load(false);
    else this.navigate(path, true);
  }

  private renderFilters(): TemplateResult {
    return html`<form
      role="search"
      aria-labelledby="filters-title"
      @submit=${(event: SubmitEvent) => this.apply(event)}
    >
      <h2 id="filters-title" class="visually-hidden">${this.t('filtersTitle')}</h2>
      <div class="filters">
        ${AUDIT_FILTER_KEYS.map(
          (key) =>
            html`<div class="field">
              <label for="filter-${key}">${this.t(FILTER_LABELS[key])}</label>
              <input
                id="filter-${key}"
                type=${key === 'from' || key === 'to' ? 'date' : 'text'}
                autocomplete="off"
                spellcheck="false"
                .value=${this.filters[key] ?? ''}
                aria-describedby=${key === 'action' ? 'filter-action-help' : nothing}
              />
              ${
                key === 'action'
                  ? html`<p class="help" id="filter-action-help">${this.t('filterActionHelp')}</p>`
                  : nothing
              }
            </div>`,
        )}
      </div>
      <div class="actions">
        <button class="primary" type="submit">${this.t('applyFilters')}</button>
        <a class="button" href=${routePath({ name: 'audit', filters: {} })}
          >${this.t('clearFilters')}</a
        >
      </div>
    </form>`;
  }

  private idLinks(event: AuditEvent): TemplateResult[] {
    const links: TemplateResult[] = [];
    const line = (label: MessageKey, id: string, href: string) =>
      html`<span
          >${this.t(label)} <a href=${href}><code>${id}</code></a></span
        ><br />`;
    if (event.accountId) {
      links.push(
        line('idAccount', event.accountId, routePath({ name: 'account', id: event.accountId })),
      );
    }
    if (event.merchantId) {
      links.push(
        line('idMerchant', event.merchantId, routePath({ name: 'merchant', id: event.merchantId })),
      );
    }
    for (const [label, key] of [
      ['idCard', 'cardId'],
      ['idSession', 'sessionId'],
    ] as const) {
      const id = event[key];
      if (id) links.push(line(label, id, routePath({ name: 'audit', filters: { [key]: id } })));
    }
    return links;
  }

  private renderRow(event: AuditEvent): TemplateResult {
    const detail = detailText(event.detail);
    return html`<tr>
      <th scope="row" class="time">${this.date(event.at)}</th>
      <td>
        <code class="nowrap">${event.actor}</code>
        ${
          event.ip
            ? html`<br /><span class="muted">${this.t('fromAddress', { ip: event.ip })}</span>`
            : nothing
        }
      </td>
      <td>
        <code class="action">${event.action}</code>
        ${detail ? html`<pre class="detail">${detail}</pre>` : nothing}
      </td>
      <td class="ids">${this.idLinks(event)}</td>
    </tr>`;
  }

  private renderTable(events: AuditEvent[]): TemplateResult {
    if (events.length === 0) return html`<p class="notice">${this.t('noEvents')}</p>`;
    return html`<div class="table-wrap" role="region" aria-labelledby="events-caption" tabindex="0">
        <table class="audit">
          <caption id="events-caption">
            ${this.t('eventsCaption')}
          </caption>
          <thead>
            <tr>
              <th scope="col">${this.t('colTime')}</th>
              <th scope="col">${this.t('colActor')}</th>
              <th scope="col">${this.t('colAction')}</th>
              <th scope="col">${this.t('colIds')}</th>
            </tr>
          </thead>
          <tbody>
            ${events.map((event) => this.renderRow(event))}
          </tbody>
        </table>
      </div>
      ${
        this.cursor
          ? html`<button type="button" ?disabled=${this.busy} @click=${() => void this.load(true)}>
              ${this.t('loadMore')}
            </button>`
          : html`<p class="muted">${this.t('noMoreEvents')}</p>`
      }`;
  }

  protected override render(): TemplateResult {
    return html`<h1 tabindex="-1">${this.t('auditTitle')}</h1>
      ${this.renderFilters()}
      ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
      ${
        this.events
          ? this.renderTable(this.events)
          : this.error
            ? nothing
            : html`<p>${this.t('loading')}</p>`
      }`;
  }
}

if (!customElements.get('console-audit')) customElements.define('console-audit', ConsoleAudit);
