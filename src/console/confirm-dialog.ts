/**
 * `<console-confirm>`: a confirmation step before anything hard to undo (freeze, revoke a card,
 * roll a merchant key). A modal `<dialog>` (the rest of the page is inert while it is open),
 * labelled by its title and described by its text; Tab and Shift+Tab cycle inside it, Escape
 * cancels, focus starts on Cancel (the safe choice) and returns to the button that opened it.
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import { consoleStyles } from './styles.js';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  cancelLabel: string;
  /** The action destroys or blocks something: the confirm button is red. */
  danger?: boolean;
}

/** The focused element, looking inside shadow roots. */
function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : null;
}

export class ConsoleConfirm extends LitElement {
  static override styles = [
    consoleStyles,
    css`
      dialog {
        max-width: min(32rem, calc(100vw - 32px));
        border: 1px solid var(--dp-line);
        border-radius: 12px;
        padding: 20px;
        background: var(--dp-bg);
        color: var(--dp-text);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.55);
      }
      h2 {
        margin-top: 0;
      }
      .actions {
        justify-content: flex-end;
        margin-bottom: 0;
      }
    `,
  ];

  @state() private request: ConfirmRequest | null = null;
  @query('dialog') private dialog!: HTMLDialogElement;
  private resolve: ((confirmed: boolean) => void) | null = null;
  private opener: HTMLElement | null = null;

  /** Opens the dialog; resolves true when the action is confirmed, false when cancelled. */
  async ask(request: ConfirmRequest): Promise<boolean> {
    this.resolve?.(false);
    this.opener = deepActiveElement();
    this.request = request;
    await this.updateComplete;
    if (!this.dialog.open) this.dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>('button.cancel')?.focus();
    return new Promise((resolve) => (this.resolve = resolve));
  }

  private finish(confirmed: boolean): void {
    const resolve = this.resolve;
    this.resolve = null;
    if (this.dialog.open) this.dialog.close();
    if (this.opener?.isConnected) this.opener.focus();
    this.opener = null;
    resolve?.(confirmed);
  }

  /** Keeps Tab inside the dialog (the browser would otherwise move on to its own toolbar). */
  private trapTab(event: KeyboardEvent): void {
    if (event.key !== 'Tab') return;
    const focusable = [
      ...this.dialog.querySelectorAll<HTMLElement>('button:not([disabled]), [href], input'),
    ];
    const first = focusable[0];
    const last = focusable.at(-1);
    const active = this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null;
    if (event.shiftKey && active === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first?.focus();
    }
  }

  protected override render(): TemplateResult {
    const request = this.request;
    return html`<dialog
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      @keydown=${(event: KeyboardEvent) => this.trapTab(event)}
      @cancel=${(event: Event) => {
        event.preventDefault();
        this.finish(false);
      }}
    >
      ${
        request
          ? html`<h2 id="confirm-title">${request.title}</h2>
              <p id="confirm-body">${request.body}</p>
              <div class="actions">
                <button class="cancel" type="button" @click=${() => this.finish(false)}>
                  ${request.cancelLabel}
                </button>
                <button
                  class=${request.danger ? 'confirm danger solid' : 'confirm primary'}
                  type="button"
                  @click=${() => this.finish(true)}
                >
                  ${request.confirmLabel}
                </button>
              </div>`
          : nothing
      }
    </dialog>`;
  }
}

if (!customElements.get('console-confirm'))
  customElements.define('console-confirm', ConsoleConfirm);
