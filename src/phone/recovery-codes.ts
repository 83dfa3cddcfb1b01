/**
 * `<dualpay-recovery-codes>`: the ten recovery codes the enrolment page shows once, with an
 * account's first card: the list, Copy (clipboard), Download (a `.txt` through a Blob link, which
 * a strict CSP allows) and where to use them (`/r`). Shared styles for the recovery screens too.
 */
import { LitElement, css, html, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { phoneLocale } from './locales.js';
import { recoveryMessage, type RecoveryMessageKey } from './recovery-locales.js';
import { phoneStyles } from './styles.js';

/** Styles of the recovery screens: the codes, a link written out, and a QR code. */
export const recoveryStyles = css`
  ol.codes {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 1.1rem;
    letter-spacing: 0.05em;
    padding-left: 2.2em;
    margin: 12px 0;
  }
  ol.codes li {
    padding: 2px 0;
  }
  .notice {
    border-left: 4px solid var(--_accent);
    padding: 4px 0 4px 12px;
    font-weight: 600;
  }
  .link {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
  a {
    color: var(--_accent);
  }
  a.button {
    display: block;
    font-size: inherit;
    text-align: center;
    text-decoration: none;
    min-height: 48px;
    line-height: 28px;
    padding: 10px 16px;
    border-radius: 12px;
    font-weight: 600;
    border: 1px solid color-mix(in srgb, var(--_text) 40%, var(--_bg));
    color: var(--_text);
  }
  a:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  svg.qr {
    display: block;
    width: min(100%, 240px);
    margin: 12px auto;
    background: #ffffff;
    fill: #000000;
  }
  .choice {
    display: grid;
    gap: 4px;
    margin-bottom: 8px;
  }
  .choice p {
    margin: 0;
    font-size: 0.9rem;
  }
`;

/** Inside a page: no page padding of its own, and codes kept on one line each. */
const embeddedStyles = css`
  :host {
    padding: 0;
    margin: 24px 0 0;
  }
  ol.codes {
    font-size: 1rem;
    letter-spacing: 0;
    white-space: nowrap;
  }
`;

export class DualpayRecoveryCodes extends LitElement {
  static override styles = [phoneStyles, recoveryStyles, embeddedStyles];

  /** The codes, as shown (`XXXX-XXXX-XXXX-XXXX`). */
  @property({ attribute: false }) codes: readonly string[] = [];

  @property() locale = '';

  @state() private note = '';

  private downloadUrl: string | null = null;

  private t(key: RecoveryMessageKey, values?: Record<string, string>): string {
    return recoveryMessage(phoneLocale(this.locale || navigator.language), key, values);
  }

  private get recoveryUrl(): string {
    return `${location.origin}/r`;
  }

  private get text(): string {
    return [this.t('codesFileHeading', { url: this.recoveryUrl }), '', ...this.codes, ''].join(
      '\n',
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = null;
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.text);
      this.note = this.t('codesCopied');
    } catch {
      this.note = this.t('codesCopyFailed');
    }
  }

  /** A Blob URL of the codes as text, made once. */
  private get fileUrl(): string {
    this.downloadUrl ??= URL.createObjectURL(new Blob([this.text], { type: 'text/plain' }));
    return this.downloadUrl;
  }

  protected override render(): TemplateResult {
    return html`<section aria-labelledby="codes-title">
      <h2 id="codes-title">${this.t('codesTitle')}</h2>
      <p class="notice">${this.t('codesHelp')}</p>
      <ol class="codes" aria-label=${this.t('codesListLabel')}>
        ${this.codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="actions">
        <button class="secondary" type="button" @click=${() => void this.copy()}>
          ${this.t('copyCodes')}
        </button>
        <a class="button" href=${this.fileUrl} download="dualpay-recovery-codes.txt"
          >${this.t('downloadCodes')}</a
        >
      </div>
      <p role="status" aria-live="polite">${this.note}</p>
      <p>${this.t('codesWhere')} <a href="/r">${this.recoveryUrl}</a></p>
    </section>`;
  }
}

if (!customElements.get('dualpay-recovery-codes'))
  customElements.define('dualpay-recovery-codes', DualpayRecoveryCodes);
