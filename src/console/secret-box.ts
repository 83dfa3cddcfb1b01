/**
 * `<console-secret>`: a merchant secret key, or (`kind="webhook"`) a webhook signing secret, shown
 * once: the value as text, a Copy button, and a warning that it cannot be shown again (the issuer
 * keeps only a key's hash, and never shows a webhook secret again). "Done" hides it for good.
 */
import { html, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { ConsoleScreen } from './screen-base.js';

/** Copies `text` to the clipboard; false when the browser refused (the text stays selectable). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export class ConsoleSecret extends ConsoleScreen {
  @property() secret = '';

  /** Who the key belongs to, for the heading. */
  @property() merchantName = '';

  /** A secret key (`sk_…`) or a webhook signing secret (`whsec_…`). */
  @property() kind: 'key' | 'webhook' = 'key';

  private async copy(): Promise<void> {
    this.announce((await copyText(this.secret)) ? this.t('copied') : this.t('copyFailed'));
  }

  protected override render(): TemplateResult {
    const webhook = this.kind === 'webhook';
    return html`<section class="panel secret" aria-labelledby="secret-title">
      <h2 id="secret-title" tabindex="-1">
        ${this.t(webhook ? 'webhookSecretTitle' : 'secretTitle', { name: this.merchantName })}
      </h2>
      <p><strong>${this.t(webhook ? 'webhookSecretOnce' : 'secretOnce')}</strong></p>
      <code class="secret-value" id="secret-value">${this.secret}</code>
      <div class="actions">
        <button class="primary" type="button" @click=${() => void this.copy()}>
          ${this.t(webhook ? 'webhookCopySecret' : 'copySecret')}
        </button>
        <button
          type="button"
          @click=${() => this.dispatchEvent(new CustomEvent('console-dismiss', { bubbles: true }))}
        >
          ${this.t('secretStored')}
        </button>
      </div>
    </section>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('#secret-title')?.focus();
  }
}

if (!customElements.get('console-secret')) customElements.define('console-secret', ConsoleSecret);
