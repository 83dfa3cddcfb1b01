/**
 * `<dualpay-confirm-page>`: the issuer's confirmation page on the payer's phone (`/h/:code`, or
 * `/h` to type the user code). It shows what the issuer knows about the payment (what you see is
 * what you approve), asks for the number on the shop's screen, then for the card with its PIN or
 * biometric, and shows the outcome with a receipt line.
 */
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import {
  claimHandoff,
  confirmHandoff,
  declineHandoff,
  getAuthenticationOptions,
} from '../flow/api-client.js';
import {
  formatAmount,
  parseUserCode,
  type ClaimResponse,
  type ErrorCode,
} from '../protocol/index.js';
import { phoneErrorKey } from './locales.js';
import { PhonePage } from './page-base.js';
import { loadSimulatedCard, rememberedCredentialIds, saveSimulatedCard } from './storage.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';

type Step =
  | { name: 'enter-code' }
  | { name: 'loading' }
  | { name: 'enter-number' }
  | { name: 'approve'; options: PublicKeyCredentialRequestOptionsJSON }
  | { name: 'working' }
  | { name: 'approved'; settledAt: string; settlementId: string }
  | {
      name: 'ended';
      outcome: Outcome;
      code?: ErrorCode;
    };

type Outcome = 'declined' | 'expired' | 'locked' | 'cancelled' | 'mismatch' | 'error';

/** Codes that end the page for good, and how. */
const ENDINGS: Partial<Record<ErrorCode, Exclude<Outcome, 'error'>>> = {
  binding_mismatch: 'mismatch',
  session_declined: 'declined',
  session_expired: 'expired',
  handoff_expired: 'expired',
  session_failed: 'locked',
  session_cancelled: 'cancelled',
};

/**
 * The confirmation page.
 * @csspart - none; this page is the issuer's own.
 */
export class DualpayConfirmPage extends PhonePage {
  @state() private current: Step = { name: 'loading' };
  @state() private details: (ClaimResponse & { code: string }) | null = null;
  @state() private message: string | null = null;
  @state() private typedCode = '';
  @state() private typedNumber = '';

  protected get step(): string {
    return this.current.name;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.code) void this.claim(this.code);
    else this.current = { name: 'enter-code' };
  }

  private async claim(code: string): Promise<void> {
    this.current = { name: 'loading' };
    this.message = null;
    try {
      const { body } = await claimHandoff(code);
      this.details = body;
      if (body.code !== this.code && !this.code) {
        // Typed at /h: carry on under the claimed code, so a reload lands here again.
        history.replaceState(null, '', `/h/${encodeURIComponent(body.code)}`);
      }
      this.code = body.code;
      this.current = { name: 'enter-number' };
    } catch (error) {
      this.fail(error, this.code ? { name: 'ended', outcome: 'error' } : { name: 'enter-code' });
    }
  }

  /** Shows the outcome an error means: an ending, or a message on the step given. */
  private fail(error: unknown, stay: Step): void {
    const code = this.codeOf(error);
    const ending = ENDINGS[code];
    if (ending) {
      this.current = { name: 'ended', outcome: ending, code };
      return;
    }
    if (code === 'session_settled' || code === 'limit_exceeded') {
      this.message = this.t(phoneErrorKey(code));
      this.current = { name: 'ended', outcome: 'error', code };
      return;
    }
    this.message = code === 'aborted' ? this.t('cardCancelled') : this.t(phoneErrorKey(code));
    this.current = stay.name === 'ended' ? { name: 'ended', outcome: 'error', code } : stay;
  }

  /** Sends the number the payer typed; a wrong one stops the payment (one guess, 1 in 100). */
  private async submitNumber(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    // Full-width digits from an IME count as digits.
    const number = this.typedNumber.normalize('NFKC').replace(/\s/g, '');
    if (!/^[0-9]{2}$/.test(number)) {
      this.message = this.t('badNumber');
      return;
    }
    this.current = { name: 'working' };
    this.message = null;
    try {
      const { body } = await getAuthenticationOptions(this.code, number, rememberedCredentialIds());
      this.current = { name: 'approve', options: body };
    } catch (error) {
      this.fail(error, { name: 'enter-number' });
    }
  }

  private async approve(simulated: boolean): Promise<void> {
    if (this.current.name !== 'approve') return;
    const { options } = this.current;
    this.message = null;
    const card = simulated ? loadSimulatedCard() : null;
    if (simulated && !card) {
      this.message = this.t('noSimulatedCard');
      return;
    }
    if (!simulated && !browserSupportsWebAuthn()) {
      this.message = this.t('noCardSupport');
      return;
    }
    this.current = { name: 'working' };
    try {
      const response = card
        ? await card.getAssertion(options, { origin: location.origin })
        : await startAuthentication({ optionsJSON: options });
      if (card) saveSimulatedCard(card);
      const { body } = await confirmHandoff(this.code, response);
      this.current = {
        name: 'approved',
        settledAt: body.settledAt,
        settlementId: body.settlementId,
      };
    } catch (error) {
      // The challenge is spent only by a settlement: the payer may try the card again.
      this.fail(error, { name: 'approve', options });
    }
  }

  private async decline(): Promise<void> {
    this.current = { name: 'working' };
    try {
      await declineHandoff(this.code);
      this.current = { name: 'ended', outcome: 'declined' };
    } catch (error) {
      this.fail(error, { name: 'ended', outcome: 'error' });
    }
  }

  private submitCode(event: SubmitEvent): void {
    event.preventDefault();
    const userCode = parseUserCode(this.typedCode);
    if (!userCode) {
      this.message = this.t('badCode');
      return;
    }
    void this.claim(userCode);
  }

  protected override render(): TemplateResult {
    return html`<p class="brand">${this.t('brand')}</p>
      ${this.renderStep()}
      <div class="visually-hidden" role="status" aria-live="polite">${this.statusText()}</div>`;
  }

  private statusText(): string {
    if (this.current.name === 'working') return this.t('waitingCard');
    return this.message ?? '';
  }

  private renderMessage(): TemplateResult | typeof nothing {
    return this.message ? html`<p class="message" role="alert">${this.message}</p>` : nothing;
  }

  private renderStep(): TemplateResult {
    switch (this.current.name) {
      case 'enter-code':
        return this.renderEnterCode();
      case 'loading':
        return html`<h1 tabindex="-1">${this.t('confirmTitle')}</h1>
          <p><span class="spinner" aria-hidden="true"></span>${this.t('loading')}</p>`;
      case 'enter-number':
        return this.renderEnterNumber();
      case 'approve':
        return this.renderApprove();
      case 'working':
        return html`<h1 tabindex="-1">${this.t('confirmTitle')}</h1>
          ${this.renderDetails()}
          <p><span class="spinner" aria-hidden="true"></span>${this.t('waitingCard')}</p>`;
      case 'approved':
        return this.renderApproved(this.current.settledAt, this.current.settlementId);
      case 'ended':
        return this.renderEnded(this.current.outcome);
    }
  }

  private renderEnterCode(): TemplateResult {
    return html`<h1 tabindex="-1">${this.t('enterCodeTitle')}</h1>
      <p class="muted">${this.t('enterCodeHelp')}</p>
      <form @submit=${this.submitCode} novalidate>
        <label for="code">${this.t('codeLabel')}</label>
        <input
          id="code"
          class="code"
          name="code"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck="false"
          inputmode="text"
          maxlength="20"
          placeholder="XXXX-XXXX"
          .value=${this.typedCode}
          @input=${(event: InputEvent) => (this.typedCode = (event.target as HTMLInputElement).value)}
        />
        ${this.renderMessage()}
        <div class="stack">
          <button class="approve" type="submit">${this.t('continue')}</button>
        </div>
      </form>`;
  }

  private renderDetails(): TemplateResult | typeof nothing {
    const details = this.details;
    if (!details) return nothing;
    let amount: string;
    try {
      amount = formatAmount(details.amount, details.currency, navigator.language || this.lang_);
    } catch {
      amount = `${details.amount} ${details.currency}`;
    }
    // Merchant name and description come from the merchant: text only.
    return html`<dl class="details">
      <dt>${this.t('payTo')}</dt>
      <dd>${details.merchantName}</dd>
      <dt>${this.t('amount')}</dt>
      <dd class="amount">${amount}</dd>
      ${
        details.description
          ? html`<dt>${this.t('forWhat')}</dt>
              <dd>${details.description}</dd>`
          : nothing
      }
    </dl>`;
  }

  private renderEnterNumber(): TemplateResult {
    return html`<h1 tabindex="-1">${this.t('confirmTitle')}</h1>
      ${this.renderDetails()}
      <h2>${this.t('numberTitle')}</h2>
      <form @submit=${(event: SubmitEvent) => void this.submitNumber(event)} novalidate>
        <p class="muted" id="number-help">${this.t('numberHelp')}</p>
        <label for="binding-number">${this.t('numberLabel')}</label>
        <input
          id="binding-number"
          class="code number"
          name="bindingCode"
          inputmode="numeric"
          pattern="[0-9]*"
          autocomplete="off"
          enterkeyhint="go"
          maxlength="2"
          aria-describedby="number-help"
          .value=${this.typedNumber}
          @input=${(event: InputEvent) =>
            (this.typedNumber = (event.target as HTMLInputElement).value)}
        />
        ${this.renderMessage()}
        <div class="stack">
          <button class="approve" type="submit">${this.t('continue')}</button>
          <button class="decline" type="button" @click=${() => void this.decline()}>
            ${this.t('decline')}
          </button>
        </div>
      </form>`;
  }

  private renderApprove(): TemplateResult {
    const testMode = this.details?.testMode === true;
    return html`<h1 tabindex="-1">${this.t('approveTitle')}</h1>
      ${this.renderDetails()}
      <p class="muted">${this.t('approveHelp')}</p>
      ${this.renderMessage()}
      <div class="actions">
        <button class="approve" type="button" @click=${() => void this.approve(false)}>
          ${this.t('approve')}
        </button>
        <button class="decline" type="button" @click=${() => void this.decline()}>
          ${this.t('decline')}
        </button>
      </div>
      ${
        testMode
          ? html`<div class="test-mode">
              <p><span class="badge">${this.t('testModeLabel')}</span> ${this.t('testModeHelp')}</p>
              <button class="secondary" type="button" @click=${() => void this.approve(true)}>
                ${this.t('useSimulated')}
              </button>
            </div>`
          : nothing
      }`;
  }

  private renderApproved(settledAt: string, settlementId: string): TemplateResult {
    const time = new Intl.DateTimeFormat(navigator.language || this.lang_, {
      dateStyle: 'medium',
      timeStyle: 'medium',
    }).format(new Date(settledAt));
    return html`<h1 tabindex="-1" class="outcome ok">✓ ${this.t('approvedTitle')}</h1>
      ${this.renderDetails()}
      <p>${this.t('approvedHelp')}</p>
      <p class="receipt">${this.t('receipt', { time, id: settlementId })}</p>`;
  }

  private renderEnded(outcome: Outcome): TemplateResult {
    const titles = {
      declined: ['declinedTitle', 'declinedHelp'],
      mismatch: ['mismatchTitle', 'mismatchHelp'],
      expired: ['expiredTitle', 'expiredHelp'],
      locked: ['lockedTitle', 'lockedHelp'],
      cancelled: ['cancelledTitle', 'declinedHelp'],
      error: [null, null],
    } as const;
    const [title, help] = titles[outcome];
    return html`<h1 tabindex="-1" class="outcome bad">
        ${title ? this.t(title) : this.t('confirmTitle')}
      </h1>
      ${this.renderDetails()} ${help ? html`<p>${this.t(help)}</p>` : nothing}
      ${this.renderMessage()}
      ${
        outcome === 'error' && !this.details
          ? html`<div class="stack">
              <button
                class="secondary"
                type="button"
                @click=${() => (this.current = { name: 'enter-code' })}
              >
                ${this.t('tryAgain')}
              </button>
            </div>`
          : nothing
      }`;
  }
}

if (!customElements.get('dualpay-confirm-page'))
  customElements.define('dualpay-confirm-page', DualpayConfirmPage);
