/**
 * `<dualpay-recovery-page>`: the issuer's recovery page (`/r`). Three choices: freeze the account
 * with a recovery code (a lost card; asked to confirm first), add a replacement card with a code
 * (an enrolment link whose card can pay after the cooling-off), or approve adding a card on
 * another phone with a card still at hand (an enrolment link at once). Every wait can be
 * cancelled; results are announced in a live region and get the focus.
 */
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { html, nothing, svg, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { qrPath, type QrPath } from '../flow/qr.js';
import { normalizeRecoveryCode, type ErrorCode } from '../protocol/index.js';
import { formatDateTime, type PhoneMessageKey } from './locales.js';
import { PhonePage } from './page-base.js';
import {
  createDeviceEnrollment,
  createRecoveryEnrollment,
  freezeAccount,
  getDeviceOptions,
} from './phone-api.js';
import { recoveryStyles } from './recovery-codes.js';
import { recoveryErrorKey, recoveryMessage, type RecoveryMessageKey } from './recovery-locales.js';
import { phoneStyles } from './styles.js';
import { loadSimulatedCard, saveSimulatedCard } from './storage.js';

/** What the payer came to do. */
type Mode = 'freeze' | 'replace' | 'device';

type Step = 'choose' | 'code' | 'confirm-freeze' | 'device' | 'working' | 'frozen' | 'link';

/** An enrolment link to show: a replacement card's (with its activation time) or a device's. */
interface Link {
  url: string;
  expiresAt: string;
  activatesAt?: string;
}

/** Where Cancel goes from a wait, by mode. */
const BACK: Record<Mode, Step> = { freeze: 'confirm-freeze', replace: 'code', device: 'device' };

/** What the page says while it waits, by mode. */
const WAITING: Record<Mode, RecoveryMessageKey> = {
  freeze: 'freezing',
  replace: 'creatingLink',
  device: 'waitingCard',
};

export class DualpayRecoveryPage extends PhonePage {
  static override styles = [phoneStyles, recoveryStyles];

  @state() private current: Step = 'choose';
  @state() private mode: Mode = 'freeze';
  @state() private codeInput = '';
  @state() private message: string | null = null;
  @state() private link: Link | null = null;
  private qr: { url: string; path: QrPath } | null = null;

  protected get step(): string {
    return this.current;
  }

  protected get titleKey(): PhoneMessageKey {
    return 'recoveryPageTitle';
  }

  private r(key: RecoveryMessageKey, values?: Record<string, string>): string {
    return recoveryMessage(this.lang_, key, values);
  }

  private time(iso: string): string {
    return formatDateTime(this.lang_, new Date(iso));
  }

  private choose(mode: Mode): void {
    this.mode = mode;
    this.message = null;
    this.current = mode === 'device' ? 'device' : 'code';
  }

  private backToChoices(): void {
    this.abortWait();
    this.message = null;
    this.codeInput = '';
    this.current = 'choose';
  }

  /** Cancel during a wait: drops the request (and the card's ceremony), back one step. */
  private cancelWait(): void {
    this.abortWait();
    this.message = null;
    this.current = BACK[this.mode];
  }

  /** The typed code, normalized; a code that cannot be one is refused here, with no request. */
  private get normalizedCode(): string | null {
    return normalizeRecoveryCode(this.codeInput);
  }

  private submitCode(event: Event): void {
    event.preventDefault();
    if (this.normalizedCode === null) {
      this.message = this.r('codeFormat');
      return;
    }
    this.message = null;
    if (this.mode === 'freeze') this.current = 'confirm-freeze';
    else void this.useCode();
  }

  /** Spends the code: freezes the account, or makes a replacement card's enrolment link. */
  private async useCode(): Promise<void> {
    const code = this.normalizedCode;
    if (code === null) return;
    this.current = 'working';
    const signal = this.beginWait();
    try {
      if (this.mode === 'freeze') {
        await freezeAccount(code, signal);
        if (signal.aborted) return;
        this.current = 'frozen';
      } else {
        const made = await createRecoveryEnrollment(code, signal);
        if (signal.aborted) return;
        this.link = { url: made.url, expiresAt: made.expiresAt, activatesAt: made.activatesAt };
        this.current = 'link';
      }
      this.codeInput = '';
    } catch (error) {
      if (!signal.aborted) this.failed(this.codeOf(error), 'code');
    } finally {
      this.finishWait(signal);
    }
  }

  /** A second device: a challenge, the card's approval, then the new phone's enrolment link. */
  private async approveDevice(simulated: boolean): Promise<void> {
    this.message = null;
    if (!simulated && !browserSupportsWebAuthn()) {
      this.message = this.r('noCardSupport');
      return;
    }
    this.current = 'working';
    const signal = this.beginWait();
    try {
      const options = await getDeviceOptions(signal);
      if (signal.aborted) return;
      const card = simulated ? loadSimulatedCard() : null;
      const response = card
        ? await card.getAssertion(options, { origin: location.origin })
        : await startAuthentication({ optionsJSON: options });
      if (signal.aborted) return;
      if (card) saveSimulatedCard(card);
      const made = await createDeviceEnrollment(response, signal);
      if (signal.aborted) return;
      this.link = { url: made.url, expiresAt: made.expiresAt };
      this.current = 'link';
    } catch (error) {
      if (!signal.aborted) this.failed(this.codeOf(error), 'device');
    } finally {
      this.finishWait(signal);
    }
  }

  private failed(code: ErrorCode, back: Step): void {
    this.message = this.r(recoveryErrorKey(code));
    this.current = back;
  }

  protected override render(): TemplateResult {
    return html`<p class="brand">${this.t('brand')}</p>
      ${this.renderStep()}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement()}</div>`;
  }

  /** What the live region says: the wait, then the result (errors are also `role=alert`). */
  private announcement(): string {
    if (this.current === 'working') return this.r(WAITING[this.mode]);
    if (this.current === 'frozen') return this.r('frozenTitle');
    if (this.current === 'link')
      return this.r(this.mode === 'device' ? 'deviceLinkTitle' : 'replaceTitle');
    return this.message ?? '';
  }

  private renderStep(): TemplateResult {
    switch (this.current) {
      case 'choose':
        return this.renderChoices();
      case 'code':
        return this.renderCodeForm();
      case 'confirm-freeze':
        return html`<h1 tabindex="-1">${this.r('freezeConfirmTitle')}</h1>
          <p>${this.r('freezeConfirmHelp')}</p>
          ${this.renderMessage()}
          <div class="stack">
            <button class="decline" type="button" @click=${() => void this.useCode()}>
              ${this.r('freezeNow')}
            </button>
            ${this.renderBack()}
          </div>`;
      case 'device':
        return this.renderDevice();
      case 'working':
        return html`<h1 tabindex="-1">${this.r('recoveryTitle')}</h1>
          <p><span class="spinner" aria-hidden="true"></span>${this.r(WAITING[this.mode])}</p>
          <div class="stack">
            <button class="secondary" type="button" @click=${() => this.cancelWait()}>
              ${this.t('cancel')}
            </button>
          </div>`;
      case 'frozen':
        return html`<h1 tabindex="-1" class="outcome bad">${this.r('frozenTitle')}</h1>
          <p>${this.r('frozenHelp')}</p>`;
      case 'link':
        return this.renderLink();
    }
  }

  private renderMessage(): TemplateResult | typeof nothing {
    return this.message ? html`<p class="message" role="alert">${this.message}</p>` : nothing;
  }

  private renderBack(): TemplateResult {
    return html`<button class="secondary" type="button" @click=${() => this.backToChoices()}>
      ${this.r('back')}
    </button>`;
  }

  private renderChoices(): TemplateResult {
    const choice = (mode: Mode, label: RecoveryMessageKey, help: RecoveryMessageKey) =>
      html`<div class="choice">
        <button
          class=${mode === 'freeze' ? 'decline' : 'secondary'}
          type="button"
          aria-describedby="help-${mode}"
          @click=${() => this.choose(mode)}
        >
          ${this.r(label)}
        </button>
        <p id="help-${mode}" class="muted">${this.r(help)}</p>
      </div>`;
    return html`<h1 tabindex="-1">${this.r('recoveryTitle')}</h1>
      <p>${this.r('recoveryIntro')}</p>
      <div class="stack">
        ${choice('freeze', 'chooseFreeze', 'chooseFreezeHelp')}
        ${choice('replace', 'chooseReplace', 'chooseReplaceHelp')}
        ${choice('device', 'chooseDevice', 'chooseDeviceHelp')}
      </div>`;
  }

  private renderCodeForm(): TemplateResult {
    const title = this.mode === 'freeze' ? 'chooseFreeze' : 'chooseReplace';
    return html`<h1 tabindex="-1">${this.r(title)}</h1>
      <form @submit=${(event: Event) => this.submitCode(event)} novalidate>
        <label for="recovery-code">${this.r('codeLabel')}</label>
        <p id="recovery-code-help" class="muted">${this.r('codeHelp')}</p>
        <input
          id="recovery-code"
          class="code"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="64"
          aria-describedby="recovery-code-help"
          aria-invalid=${this.message ? 'true' : 'false'}
          placeholder="XXXX-XXXX-XXXX-XXXX"
          .value=${this.codeInput}
          @input=${(event: InputEvent) =>
            (this.codeInput = (event.target as HTMLInputElement).value)}
        />
        ${this.renderMessage()}
        <div class="stack">
          <button class="approve" type="submit">${this.r('next')}</button>
          ${this.renderBack()}
        </div>
      </form>`;
  }

  private renderDevice(): TemplateResult {
    const simulated = loadSimulatedCard() !== null;
    return html`<h1 tabindex="-1">${this.r('deviceTitle')}</h1>
      <p>${this.r('deviceHelp')}</p>
      ${this.renderMessage()}
      <div class="stack">
        <button class="approve" type="button" @click=${() => void this.approveDevice(false)}>
          ${this.r('approveWithCard')}
        </button>
        ${this.renderBack()}
      </div>
      ${
        simulated
          ? html`<div class="test-mode">
              <p><span class="badge">${this.t('testModeLabel')}</span></p>
              <button class="secondary" type="button" @click=${() => void this.approveDevice(true)}>
                ${this.r('approveSimulated')}
              </button>
            </div>`
          : nothing
      }`;
  }

  private renderLink(): TemplateResult {
    const link = this.link;
    if (!link) return this.renderChoices();
    const device = this.mode === 'device';
    const until = this.time(link.expiresAt);
    return html`<h1 tabindex="-1" class="outcome ok">
        ${this.r(device ? 'deviceLinkTitle' : 'replaceTitle')}
      </h1>
      <p>${this.r(device ? 'deviceLinkHelp' : 'replaceHelp', { time: until })}</p>
      ${
        link.activatesAt
          ? html`<p class="notice">
              ${this.r('replaceActivates', { time: this.time(link.activatesAt) })}
            </p>`
          : nothing
      }
      ${this.renderQr(link.url)}
      <p class="label" id="link-label">${this.r('enrolLink')}</p>
      <p><code class="link" aria-labelledby="link-label">${link.url}</code></p>
      <div class="stack">
        <a class="button" href=${link.url}>${this.r('openLink')}</a>
      </div>`;
  }

  private renderQr(url: string): TemplateResult {
    if (this.qr?.url !== url) this.qr = { url, path: qrPath(url) };
    const { size, d } = this.qr.path;
    return html`<svg
      class="qr"
      role="img"
      aria-label=${this.r('qrLabel')}
      viewBox="0 0 ${size} ${size}"
      shape-rendering="crispEdges"
      data-url=${url}
    >
      ${svg`<path d=${d}></path>`}
    </svg>`;
  }
}

if (!customElements.get('dualpay-recovery-page'))
  customElements.define('dualpay-recovery-page', DualpayRecoveryPage);
