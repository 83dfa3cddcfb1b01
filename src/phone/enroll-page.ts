/**
 * `<dualpay-enroll-page>`: the issuer's enrolment page (`/e/:code`). The payer, after the issuer's
 * face-to-face checks, registers the card they will pay with (WebAuthn, user verification
 * required), names it, and — where Web NFC exists — writes the issuer's link to the card's NFC tag.
 * Test mode: a clearly labelled simulated card kept in this browser. The link is checked as the
 * page opens (`GET /v1/enrollments/:code`), so a used or expired one says so before the form.
 */
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { getRegistrationOptions, verifyEnrollment } from '../flow/api-client.js';
import { phoneErrorKey, type PhoneMessageKey } from './locales.js';
import { PhonePage } from './page-base.js';
import './recovery-codes.js';
import { getEnrollmentStatus } from './phone-api.js';
import { SimulatedAuthenticator } from './simulated-authenticator.js';
import { loadSimulatedCard, rememberCredentialId, saveSimulatedCard } from './storage.js';

type Step = 'checking' | 'intro' | 'working' | 'done' | 'ended';

/** What a link that cannot register a card says. */
const DEAD_LINK: Record<'used' | 'expired' | 'not_found', PhoneMessageKey> = {
  used: 'enrolUsed',
  expired: 'enrolLinkExpired',
  not_found: 'enrolUnknown',
};

interface NdefWriter {
  write(message: { records: { recordType: string; data: string }[] }): Promise<void>;
}

export class DualpayEnrollPage extends PhonePage {
  @state() private current: Step = 'checking';
  @state() private message: string | null = null;
  @state() private name = '';
  @state() private tagNote: string | null = null;
  /** The account's recovery codes, answered with its first card only: shown once. */
  @state() private recoveryCodes: readonly string[] = [];

  protected get step(): string {
    return this.current;
  }

  protected get titleKey(): PhoneMessageKey {
    return 'enrolPageTitle';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.code) void this.checkLink();
    else this.deadLink('not_found');
  }

  /** Is the link still good? A read (no challenge); if it cannot tell, the form decides. */
  private async checkLink(): Promise<void> {
    const signal = this.beginWait();
    try {
      const { status } = await getEnrollmentStatus(this.code, signal);
      if (signal.aborted) return;
      if (status === 'live') this.current = 'intro';
      else this.deadLink(status);
    } catch (error) {
      if (signal.aborted) return;
      if (this.codeOf(error) === 'not_found') this.deadLink('not_found');
      else this.current = 'intro';
    } finally {
      this.finishWait(signal);
    }
  }

  private deadLink(why: keyof typeof DEAD_LINK): void {
    this.message = this.t(DEAD_LINK[why]);
    this.current = 'ended';
  }

  /** Cancel: drops the wait for the card (or the issuer) and shows the form again. */
  private cancelWait(): void {
    this.abortWait();
    this.message = null;
    this.current = 'intro';
  }

  private get cardName(): string {
    return this.name.trim() || this.t('cardNamePlaceholder');
  }

  private async register(simulated: boolean): Promise<void> {
    this.message = null;
    if (!simulated && !browserSupportsWebAuthn()) {
      this.message = this.t('noCardSupport');
      return;
    }
    this.current = 'working';
    const signal = this.beginWait();
    try {
      const { body: options } = await getRegistrationOptions(this.code, { signal });
      if (signal.aborted) return;
      const card = simulated ? (loadSimulatedCard() ?? new SimulatedAuthenticator()) : null;
      const response = card
        ? await card.createCredential(options, { origin: location.origin })
        : await startRegistration({ optionsJSON: options });
      if (signal.aborted) return;
      const { body } = await verifyEnrollment(this.code, response, this.cardName, { signal });
      this.recoveryCodes = body.recoveryCodes ?? [];
      if (card) saveSimulatedCard(card);
      rememberCredentialId(response.id);
      if (!signal.aborted) this.current = 'done';
    } catch (error) {
      if (signal.aborted) return;
      this.registerFailed(error);
    } finally {
      this.finishWait(signal);
    }
  }

  private registerFailed(error: unknown): void {
    const code = this.codeOf(error);
    const name = (error as { name?: string } | null)?.name;
    if (code === 'enrollment_expired' || code === 'not_found') {
      this.message = this.t('enrolExpired');
      this.current = 'ended';
      return;
    }
    this.message =
      name === 'InvalidStateError' || code === 'credential_not_allowed'
        ? this.t('enrolDuplicate')
        : code === 'authentication_failed'
          ? this.t('enrolNeedsPin')
          : code === 'aborted'
            ? this.t('cardCancelled')
            : this.t(phoneErrorKey(code));
    this.current = 'intro';
  }

  private async writeTag(): Promise<void> {
    const Reader = (window as unknown as { NDEFReader?: new () => NdefWriter }).NDEFReader;
    if (!Reader) return;
    try {
      await new Reader().write({ records: [{ recordType: 'url', data: `${location.origin}/h` }] });
      this.tagNote = this.t('tagWritten');
    } catch (error) {
      this.tagNote = this.t('tagFailed', { reason: (error as Error).message || String(error) });
    }
  }

  protected override render(): TemplateResult {
    return html`<p class="brand">${this.t('brand')}</p>
      ${this.renderStep()}
      <div class="visually-hidden" role="status" aria-live="polite">
        ${
          this.current === 'working'
            ? this.t('registering')
            : this.current === 'checking'
              ? this.t('checkingLink')
              : (this.message ?? '')
        }
      </div>`;
  }

  private renderStep(): TemplateResult {
    switch (this.current) {
      case 'intro':
        return html`<h1 tabindex="-1">${this.t('enrolTitle')}</h1>
          <p>${this.t('enrolIntro')}</p>
          <label for="name">${this.t('cardNameLabel')}</label>
          <input
            id="name"
            maxlength="64"
            autocomplete="off"
            placeholder=${this.t('cardNamePlaceholder')}
            .value=${this.name}
            @input=${(event: InputEvent) => (this.name = (event.target as HTMLInputElement).value)}
          />
          ${this.message ? html`<p class="message" role="alert">${this.message}</p>` : nothing}
          <div class="stack">
            <button class="approve" type="button" @click=${() => void this.register(false)}>
              ${this.t('register')}
            </button>
          </div>
          <div class="test-mode">
            <p><span class="badge">${this.t('testModeLabel')}</span> ${this.t('simulatedHelp')}</p>
            <button class="secondary" type="button" @click=${() => void this.register(true)}>
              ${this.t('registerSimulated')}
            </button>
          </div>`;
      case 'checking':
        return html`<h1 tabindex="-1">${this.t('enrolTitle')}</h1>
          <p><span class="spinner" aria-hidden="true"></span>${this.t('checkingLink')}</p>`;
      case 'working':
        return html`<h1 tabindex="-1">${this.t('enrolTitle')}</h1>
          <p><span class="spinner" aria-hidden="true"></span>${this.t('registering')}</p>
          <div class="stack">
            <button class="secondary" type="button" @click=${() => this.cancelWait()}>
              ${this.t('cancel')}
            </button>
          </div>`;
      case 'done':
        return html`<h1 tabindex="-1" class="outcome ok">✓ ${this.t('enrolledTitle')}</h1>
          <p>${this.t('enrolledHelp', { name: this.cardName })}</p>
          ${
            'NDEFReader' in window
              ? html`<div class="stack">
                  <button class="secondary" type="button" @click=${() => void this.writeTag()}>
                    ${this.t('writeTag')}
                  </button>
                </div>`
              : nothing
          }
          ${this.tagNote ? html`<p role="status">${this.tagNote}</p>` : nothing}
          ${
            this.recoveryCodes.length > 0
              ? html`<dualpay-recovery-codes
                  .codes=${this.recoveryCodes}
                  locale=${this.lang_}
                ></dualpay-recovery-codes>`
              : nothing
          }`;
      case 'ended':
        return html`<h1 tabindex="-1" class="outcome bad">${this.t('enrolTitle')}</h1>
          <p class="message" role="alert">${this.message}</p>`;
    }
  }
}

if (!customElements.get('dualpay-enroll-page'))
  customElements.define('dualpay-enroll-page', DualpayEnrollPage);
