/**
 * `<dualpay-confirm-page>`: the issuer's confirmation page on the payer's phone (`/h/:code`, or
 * `/h` to type the user code). It shows what the issuer knows about the payment (what you see is
 * what you approve), asks for the number on the shop's screen, then for the card with its PIN or
 * biometric, and shows the outcome with a receipt line. A payment that ended — here, on another
 * visit, or at the shop while the page waited — is shown as its result (`outcomes.ts`), never as an
 * error; every wait has a Cancel.
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
  type HandoffStatus,
} from '../protocol/index.js';
import { formatDateTime, phoneErrorKey, type PhoneMessageKey } from './locales.js';
import {
  OUTCOME_TEXT,
  needsStatus,
  outcomeOfCode,
  outcomeOfStatus,
  type Outcome,
} from './outcomes.js';
import { PhonePage } from './page-base.js';
import { getHandoffStatus } from './phone-api.js';
import { StatusWatch } from './status-watch.js';
import { loadSimulatedCard, rememberedCredentialIds, saveSimulatedCard } from './storage.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';

type Step =
  | { name: 'enter-code' }
  | { name: 'enter-number' }
  | { name: 'approve'; options: PublicKeyCredentialRequestOptionsJSON }
  | {
      name: 'working';
      /** What the payer reads while waiting. */
      label: 'loading' | 'waitingCard' | 'sending';
      /** Where Cancel goes. */
      back: Step;
    }
  | { name: 'result'; outcome: Outcome; receipt?: { settledAt: string; settlementId: string } }
  | { name: 'error'; code: ErrorCode };

/** Claim failures worth repeating as they are (the network, a busy issuer). */
const RETRYABLE = new Set<ErrorCode>([
  'network_error',
  'rate_limited',
  'request_timeout',
  'internal_error',
  'service_unavailable',
  'invalid_response',
]);

/**
 * The confirmation page.
 * @csspart - none; this page is the issuer's own.
 */
export class DualpayConfirmPage extends PhonePage {
  @state() private current: Step = { name: 'enter-code' };
  @state() private details: (ClaimResponse & { code: string }) | null = null;
  @state() private message: string | null = null;
  @state() private typedCode = '';
  @state() private typedNumber = '';
  /** Test mode and a simulated card in this browser: it is the primary action. */
  @state() private simulatedFirst = false;
  private watch: StatusWatch | null = null;

  protected get step(): string {
    const step = this.current;
    return step.name === 'result' ? `result-${step.outcome}` : step.name;
  }

  protected get titleKey(): PhoneMessageKey {
    return 'confirmPageTitle';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.code) void this.claim(this.code);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.watch?.stop();
  }

  /** Claims `code` (from the URL, or typed at `/h`) and shows the payment, or how it ended. */
  private async claim(code: string): Promise<void> {
    this.message = null;
    this.current = { name: 'working', label: 'loading', back: { name: 'enter-code' } };
    const signal = this.beginWait();
    try {
      const { body } = await claimHandoff(code, { signal });
      if (signal.aborted) return;
      this.details = body;
      // Typed at /h: carry on under the claimed code, so a reload lands on this payment again.
      history.replaceState(null, '', `/h/${encodeURIComponent(body.code)}`);
      this.code = body.code;
      this.simulatedFirst = body.testMode && loadSimulatedCard() !== null;
      this.current = { name: 'enter-number' };
      this.watch?.stop();
      this.watch = new StatusWatch(body.code, (status) => this.heard(status));
      this.watch.start();
    } catch (error) {
      if (signal.aborted) return;
      await this.claimFailed(code, this.codeOf(error));
    } finally {
      this.finishWait(signal);
    }
  }

  /** A refused claim: the payment's result if it ended, else what went wrong. */
  private async claimFailed(code: string, errorCode: ErrorCode): Promise<void> {
    let outcome = outcomeOfCode(errorCode);
    if (outcome && needsStatus(errorCode)) {
      outcome = (await getHandoffStatus(code).then(outcomeOfStatus, () => null)) ?? outcome;
    }
    if (outcome) {
      this.end(outcome);
      return;
    }
    this.message = this.t(phoneErrorKey(errorCode));
    this.current = this.code ? { name: 'error', code: errorCode } : { name: 'enter-code' };
  }

  /** What the status watch heard: the payment ended elsewhere (the shop cancelled, time ran out). */
  private heard(status: HandoffStatus): void {
    const outcome = outcomeOfStatus(status);
    // A request in flight answers for itself; a wait for the card is cut short.
    if (!outcome || (this.current.name === 'working' && this.current.label === 'sending')) return;
    this.end(outcome);
  }

  /** Shows a result, for good: nothing is waited for or watched any more. */
  private end(outcome: Outcome, receipt?: { settledAt: string; settlementId: string }): void {
    this.abortWait();
    this.watch?.stop();
    this.message = null;
    this.current = receipt ? { name: 'result', outcome, receipt } : { name: 'result', outcome };
  }

  /** A refused step: the result if it ended the payment, else a message on `stay`. */
  private fail(error: unknown, stay: Step): void {
    const code = this.codeOf(error);
    const outcome = outcomeOfCode(code);
    if (outcome) {
      this.end(outcome);
      return;
    }
    this.message = code === 'aborted' ? this.t('cardCancelled') : this.t(phoneErrorKey(code));
    this.current = stay;
  }

  /** Cancel: drops what the page waits for and goes back a step. */
  private cancelWait(): void {
    if (this.current.name !== 'working') return;
    const { back } = this.current;
    this.abortWait();
    this.message = null;
    this.current = back;
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
    const back: Step = { name: 'enter-number' };
    this.message = null;
    this.current = { name: 'working', label: 'sending', back };
    const signal = this.beginWait();
    try {
      const { body } = await getAuthenticationOptions(
        this.code,
        number,
        rememberedCredentialIds(),
        { signal },
      );
      if (!signal.aborted) this.current = { name: 'approve', options: body };
    } catch (error) {
      if (!signal.aborted) this.fail(error, back);
    } finally {
      this.finishWait(signal);
    }
  }

  private async approve(simulated: boolean): Promise<void> {
    if (this.current.name !== 'approve') return;
    const back = this.current;
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
    this.current = { name: 'working', label: 'waitingCard', back };
    const signal = this.beginWait();
    try {
      const response = card
        ? await card.getAssertion(back.options, { origin: location.origin })
        : await startAuthentication({ optionsJSON: back.options });
      if (signal.aborted) return;
      if (card) saveSimulatedCard(card);
      this.current = { name: 'working', label: 'sending', back };
      const { body } = await confirmHandoff(this.code, response, { signal });
      if (signal.aborted) return;
      this.end('approved', { settledAt: body.settledAt, settlementId: body.settlementId });
    } catch (error) {
      // The challenge is spent only by a settlement: the payer may try the card again.
      if (!signal.aborted) this.fail(error, back);
    } finally {
      this.finishWait(signal);
    }
  }

  private async decline(): Promise<void> {
    const back = this.current;
    this.message = null;
    this.current = { name: 'working', label: 'sending', back };
    const signal = this.beginWait();
    try {
      await declineHandoff(this.code, { signal });
      if (!signal.aborted) this.end('declined');
    } catch (error) {
      if (!signal.aborted) this.fail(error, back);
    } finally {
      this.finishWait(signal);
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

  /** To the code field, for a code from the shop's screen (after a replaced or dead one). */
  private toEnterCode(): void {
    this.message = null;
    this.details = null;
    this.current = { name: 'enter-code' };
  }

  protected override render(): TemplateResult {
    return html`<p class="brand">${this.t('brand')}</p>
      ${this.renderStep()}
      <div class="visually-hidden" role="status" aria-live="polite">${this.statusText()}</div>`;
  }

  private statusText(): string {
    if (this.current.name === 'working') return this.t(this.current.label);
    return this.message ?? '';
  }

  private renderMessage(): TemplateResult | typeof nothing {
    return this.message ? html`<p class="message" role="alert">${this.message}</p>` : nothing;
  }

  private renderStep(): TemplateResult {
    const step = this.current;
    switch (step.name) {
      case 'enter-code':
        return this.renderEnterCode();
      case 'enter-number':
        return this.renderEnterNumber();
      case 'approve':
        return this.renderApprove();
      case 'working':
        return html`<h1 tabindex="-1">${this.t('confirmTitle')}</h1>
          ${this.renderDetails()}
          <p><span class="spinner" aria-hidden="true"></span>${this.t(step.label)}</p>
          <div class="stack">
            <button class="secondary" type="button" @click=${() => this.cancelWait()}>
              ${this.t('cancel')}
            </button>
          </div>`;
      case 'result':
        return this.renderResult(step.outcome, step.receipt);
      case 'error':
        return this.renderError(step.code);
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
    const decline = html`<button class="decline" type="button" @click=${() => void this.decline()}>
      ${this.t('decline')}
    </button>`;
    const heading = html`<h1 tabindex="-1">${this.t('approveTitle')}</h1>
      ${this.renderDetails()}`;
    if (this.simulatedFirst) {
      // Test mode with a simulated card here: it is what the payer came to use (a real card
      // would hang a headless browser, and most test phones have none).
      return html`${heading}
        <p class="test-mode">
          <span class="badge">${this.t('testModeLabel')}</span> ${this.t('simulatedPrimaryHelp')}
        </p>
        ${this.renderMessage()}
        <div class="stack">
          <button class="approve" type="button" @click=${() => void this.approve(true)}>
            ${this.t('useSimulated')}
          </button>
          ${decline}
          <button class="secondary" type="button" @click=${() => void this.approve(false)}>
            ${this.t('useRealCard')}
          </button>
        </div>`;
    }
    return html`${heading}
      <p class="muted">${this.t('approveHelp')}</p>
      ${this.renderMessage()}
      <div class="actions">
        <button class="approve" type="button" @click=${() => void this.approve(false)}>
          ${this.t('approve')}
        </button>
        ${decline}
      </div>
      ${
        this.details?.testMode
          ? html`<p class="test-mode">
              <span class="badge">${this.t('testModeLabel')}</span> ${this.t('testModeHelp')}
            </p>`
          : nothing
      }`;
  }

  private renderResult(
    outcome: Outcome,
    receipt?: { settledAt: string; settlementId: string },
  ): TemplateResult {
    const { title, help, tone } = OUTCOME_TEXT[outcome];
    const fresh = outcome === 'replaced' || outcome === 'code-expired';
    return html`<h1 tabindex="-1" class="outcome ${tone}">
        ${tone === 'ok' ? '✓ ' : ''}${this.t(title)}
      </h1>
      ${this.renderDetails()}
      <p>${this.t(help)}</p>
      ${
        receipt
          ? html`<p class="receipt">
              ${this.t('receipt', {
                time: formatDateTime(this.lang_, new Date(receipt.settledAt)),
              })}<br /><span class="reference"
                >${this.t('receiptRef', { id: receipt.settlementId })}</span
              >
            </p>`
          : nothing
      }
      ${
        fresh
          ? html`<div class="stack">
              <button class="secondary" type="button" @click=${() => this.toEnterCode()}>
                ${this.t('typeCode')}
              </button>
            </div>`
          : nothing
      }`;
  }

  /** A claim that failed without ending anything (a bad code, another phone's, the network). */
  private renderError(code: ErrorCode): TemplateResult {
    const retry = RETRYABLE.has(code);
    return html`<h1 tabindex="-1" class="outcome bad">${this.t('confirmTitle')}</h1>
      ${this.renderMessage()}
      <div class="stack">
        <button
          class="secondary"
          type="button"
          @click=${() => (retry ? void this.claim(this.code) : this.toEnterCode())}
        >
          ${this.t(retry ? 'tryAgain' : 'typeCode')}
        </button>
      </div>`;
  }
}

if (!customElements.get('dualpay-confirm-page'))
  customElements.define('dualpay-confirm-page', DualpayConfirmPage);
