/**
 * `<console-enrolment>`: a fresh one-time enrolment for the customer at the counter: its QR code
 * (for the customer's phone camera), the link with a Copy button, and the time left before it
 * expires. The QR is one SVG path (src/flow/qr.ts) in dark-on-white whatever the colour scheme,
 * with its quiet zone, so a phone reads it off the operator's screen.
 */
import { css, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { qrPath, type QrPath } from '../flow/qr.js';
import { formatCountdown } from './format.js';
import { ConsoleScreen } from './screen-base.js';
import { copyText } from './secret-box.js';
import { consoleStyles } from './styles.js';
import type { Enrollment } from './types.js';

export class ConsoleEnrolment extends ConsoleScreen {
  static override styles = [
    consoleStyles,
    css`
      .enrolment {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 16px 24px;
        align-items: start;
      }
      @media (max-width: 700px) {
        .enrolment {
          grid-template-columns: 1fr;
        }
      }
      svg.qr {
        display: block;
        width: 232px;
        height: 232px;
        background: #ffffff;
        border-radius: 8px;
      }
      svg.qr path {
        fill: #000000;
      }
      .countdown {
        font-size: 1.4rem;
        font-variant-numeric: tabular-nums;
        font-weight: 700;
      }
      .link {
        word-break: break-all;
      }
    `,
  ];

  @property({ attribute: false }) enrollment: Enrollment | null = null;

  /** The customer's name, for the QR's text alternative. */
  @property() accountName = '';

  @state() private now = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private qr: { url: string; path: QrPath } | null = null;

  private get remainingMs(): number {
    return this.enrollment ? Date.parse(this.enrollment.expiresAt) - this.now : 0;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('enrollment')) {
      this.stopTimer();
      this.now = Date.now();
      if (this.enrollment) this.timer = setInterval(() => (this.now = Date.now()), 1000);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // A new code: the operator (and a screen reader) land on it.
    if (changed.has('enrollment') && this.enrollment) {
      this.renderRoot.querySelector<HTMLElement>('#enrolment-title')?.focus();
    }
    if (this.enrollment && this.remainingMs <= 0 && this.timer !== undefined) {
      this.stopTimer();
      this.announce(this.t('enrolExpired'));
    }
  }

  private async copy(): Promise<void> {
    if (!this.enrollment) return;
    this.announce((await copyText(this.enrollment.url)) ? this.t('copied') : this.t('copyFailed'));
  }

  private renderQr(url: string): TemplateResult {
    if (this.qr?.url !== url) this.qr = { url, path: qrPath(url) };
    const { size, d } = this.qr.path;
    return html`<svg
      class="qr"
      role="img"
      aria-label=${this.t('enrolQrLabel', { name: this.accountName })}
      viewBox="0 0 ${size} ${size}"
      shape-rendering="crispEdges"
      data-url=${url}
    >
      ${svg`<path d=${d}></path>`}
    </svg>`;
  }

  protected override render(): TemplateResult | typeof nothing {
    const enrollment = this.enrollment;
    if (!enrollment) return nothing;
    const expired = this.remainingMs <= 0;
    return html`<section class="panel" aria-labelledby="enrolment-title">
      <h2 id="enrolment-title" tabindex="-1">${this.t('enrolTitle')}</h2>
      ${
        expired
          ? html`<p class="message">${this.t('enrolExpired')}</p>`
          : html`<div class="enrolment">
              ${this.renderQr(enrollment.url)}
              <div>
                <p>${this.t('enrolHelp')}</p>
                <p class="label" id="enrol-link-label">${this.t('enrolLink')}</p>
                <p>
                  <code class="link" aria-labelledby="enrol-link-label">${enrollment.url}</code>
                </p>
                <div class="actions">
                  <button type="button" @click=${() => void this.copy()}>
                    ${this.t('copyLink')}
                  </button>
                </div>
                <p class="label">${this.t('enrolExpiresIn')}</p>
                <p class="countdown" role="timer" aria-live="off">
                  ${formatCountdown(this.remainingMs)}
                </p>
                <p class="help">${this.t('enrolWatching')}</p>
              </div>
            </div>`
      }
    </section>`;
  }
}

if (!customElements.get('console-enrolment')) {
  customElements.define('console-enrolment', ConsoleEnrolment);
}
