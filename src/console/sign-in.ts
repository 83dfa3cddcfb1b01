/**
 * `<console-sign-in>`: staff sign in with an admin key. The key is sent once to
 * `POST /v1/console/session` and exchanged for an HttpOnly, SameSite=Strict session cookie; the
 * page never stores it. The field is a password field with autocomplete off (no browser keeps it).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { errorCodeOf } from './api.js';
import type { MessageKey } from './locales.js';
import { ConsoleScreen } from './screen-base.js';
import type { ConsoleSession } from './types.js';

export class ConsoleSignIn extends ConsoleScreen {
  /** Why the operator is here again (`sessionEnded`, `signedOut`), shown above the form. */
  @property() notice: MessageKey | '' = '';

  @state() private error = '';
  @state() private busy = false;

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#admin-key');
    const adminKey = input?.value.trim() ?? '';
    if (!adminKey) {
      this.error = this.t('signInEmpty');
      input?.focus();
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      const session = await this.api.signIn(adminKey);
      if (input) input.value = '';
      this.dispatchEvent(
        new CustomEvent<ConsoleSession>('console-signed-in', {
          detail: session,
          bubbles: true,
          composed: true,
        }),
      );
    } catch (error) {
      const code = errorCodeOf(error);
      this.error = code === 'unauthorized' ? this.t('signInRefused') : this.errorText(error);
      await this.updateComplete;
      input?.select();
      input?.focus();
    } finally {
      this.busy = false;
    }
  }

  protected override render(): TemplateResult {
    return html`<h1 tabindex="-1">${this.t('signInTitle')}</h1>
      ${this.notice ? html`<p class="notice" role="alert">${this.t(this.notice)}</p>` : nothing}
      <form novalidate @submit=${(event: SubmitEvent) => void this.submit(event)}>
        <div class="field">
          <label for="admin-key">${this.t('adminKey')}</label>
          <input
            id="admin-key"
            name="adminKey"
            type="password"
            autocomplete="off"
            spellcheck="false"
            autocapitalize="off"
            required
            aria-invalid=${this.error ? 'true' : 'false'}
            aria-describedby=${this.error ? 'admin-key-help admin-key-error' : 'admin-key-help'}
          />
          <p class="help" id="admin-key-help">${this.t('adminKeyHelp')}</p>
          ${
            this.error
              ? html`<p class="field-error" id="admin-key-error" role="alert">${this.error}</p>`
              : nothing
          }
        </div>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.t('signIn')}</button>
      </form>`;
  }
}

if (!customElements.get('console-sign-in')) customElements.define('console-sign-in', ConsoleSignIn);
