/**
 * `<dualpay-payment-page>`: the issuer's page a payment notification opens (`/p/:sessionId`). It
 * reads `GET /v1/payment-notices/:sessionId` — shop, amount, outcome and times, nothing of the
 * card or account — and offers the way to freeze the account (`/r`) for a payment the payer did
 * not make.
 */
import { LitElement, html, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { getPaymentNotice, toCheckoutError } from '../flow/api-client.js';
import { formatAmount, type PaymentNotice } from '../protocol/index.js';
import { formatDateTime, phoneLocale, type PhoneLocale } from './locales.js';
import { pushMessage, refusalReason, type PushMessageKey } from './push-locales.js';
import { documentStyles, phoneStyles } from './styles.js';

type View =
  | { name: 'loading' }
  | { name: 'shown'; notice: PaymentNotice }
  | { name: 'error'; key: PushMessageKey };

const HEADINGS: Record<PaymentNotice['outcome'], [PushMessageKey, 'ok' | 'bad' | '']> = {
  settled: ['headingSettled', 'ok'],
  refused: ['headingRefused', 'bad'],
  stopped: ['headingStopped', 'bad'],
  pending: ['headingPending', ''],
};

export class DualpayPaymentPage extends LitElement {
  static override styles = phoneStyles;

  @property({ attribute: 'session-id' }) sessionId = '';
  @property() locale = '';

  @state() private view: View = { name: 'loading' };

  private get lang_(): PhoneLocale {
    return phoneLocale(this.locale || navigator.language);
  }

  private t(key: PushMessageKey, values?: Record<string, string>): string {
    return pushMessage(this.lang_, key, values);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const sheet = documentStyles.styleSheet;
    if (sheet && !document.adoptedStyleSheets.includes(sheet)) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    document.documentElement.lang = this.lang_;
    document.title = this.t('pageTitle');
    void this.load();
  }

  private async load(): Promise<void> {
    if (!this.sessionId) {
      this.view = { name: 'error', key: 'notFound' };
      return;
    }
    try {
      const { body } = await getPaymentNotice(this.sessionId);
      this.view = { name: 'shown', notice: body };
    } catch (error) {
      const code = toCheckoutError(error).code;
      this.view = { name: 'error', key: code === 'not_found' ? 'notFound' : 'network' };
    }
  }

  private outcomeText(notice: PaymentNotice): string {
    switch (notice.outcome) {
      case 'settled':
        return this.t('outcomeSettled');
      case 'refused':
        return this.t('outcomeRefused', { reason: refusalReason(this.lang_, notice.reason) });
      case 'pending':
        return this.t('outcomePending');
      case 'stopped': {
        const key = `stopped_${notice.status}` as PushMessageKey;
        return ['declined', 'expired', 'cancelled', 'failed'].includes(notice.status)
          ? this.t(key)
          : this.t('headingStopped');
      }
    }
  }

  private renderNotice(notice: PaymentNotice): TemplateResult {
    const [heading, tone] = HEADINGS[notice.outcome];
    let amount: string;
    try {
      amount = formatAmount(notice.amount, notice.currency, this.lang_);
    } catch {
      amount = `${notice.amount} ${notice.currency}`;
    }
    const time = new Date(notice.endedAt ?? notice.createdAt);
    // The merchant's name is text only.
    return html`<h1 tabindex="-1" class="outcome ${tone}">${this.t(heading)}</h1>
      <dl class="details">
        <dt>${this.t('shop')}</dt>
        <dd>${notice.merchantName}</dd>
        <dt>${this.t('amount')}</dt>
        <dd class="amount">${amount}</dd>
        <dt>${this.t('time')}</dt>
        <dd>${formatDateTime(this.lang_, time)}</dd>
        <dt>${this.t('outcome')}</dt>
        <dd>${this.outcomeText(notice)}</dd>
      </dl>
      <p class="muted reference">${this.t('reference', { id: notice.sessionId })}</p>
      <p>${this.t('notYou')} <a href="/r">${this.t('freeze')}</a></p>`;
  }

  protected override render(): TemplateResult {
    const { view } = this;
    return html`<p class="brand">dualpay</p>
      ${
        view.name === 'loading'
          ? html`<p role="status">
              <span class="spinner" aria-hidden="true"></span>${this.t('loading')}
            </p>`
          : view.name === 'error'
            ? html`<h1 tabindex="-1">${this.t('pageTitle')}</h1>
                <p class="message" role="alert">${this.t(view.key)}</p>`
            : this.renderNotice(view.notice)
      } `;
  }
}

if (!customElements.get('dualpay-payment-page'))
  customElements.define('dualpay-payment-page', DualpayPaymentPage);
