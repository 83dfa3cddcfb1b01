/**
 * `<console-new-account>`: opens a payer account after the operator checked an identity document
 * face to face. What is recorded of the check: the document's type, the last 2–4 characters of its
 * number and the operator's note (the issuer adds who checked and when). Never the whole number,
 * nor a copy of the document: the field takes four characters at most.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { ACCOUNT_CURRENCIES, parseMajorAmount } from './format.js';
import {
  describedBy,
  fieldError,
  focusFirstInvalid,
  invalid,
  valueOf,
  type FieldErrors,
} from './forms.js';
import { documentTypeKey } from './locales.js';
import { routePath } from './router.js';
import { ConsoleScreen } from './screen-base.js';
import { DOCUMENT_TYPES, type DocumentType, type NewAccount } from './types.js';

const FIELDS = ['display-name', 'currency', 'limit', 'document-type', 'number-ending', 'note'];
const NUMBER_ENDING = /^[A-Za-z0-9]{2,4}$/;

export class ConsoleNewAccount extends ConsoleScreen {
  @state() private errors: FieldErrors = {};
  @state() private error = '';
  @state() private busy = false;
  @state() private currency: string = 'KRW';

  /** The form as the API's body, or the mistakes to show. */
  private read(): { account: NewAccount } | { errors: FieldErrors } {
    const root = this.renderRoot;
    const errors: FieldErrors = {};
    const displayName = valueOf(root, 'display-name');
    if (!displayName) errors['display-name'] = this.t('errNameRequired');
    const limit = parseMajorAmount(valueOf(root, 'limit'), this.currency);
    if (limit === null) errors['limit'] = this.t('errLimit', { currency: this.currency });
    const documentType = valueOf(root, 'document-type') as DocumentType | '';
    if (!DOCUMENT_TYPES.includes(documentType as DocumentType)) {
      errors['document-type'] = this.t('errDocumentType');
    }
    const numberEnding = valueOf(root, 'number-ending').normalize('NFKC').toUpperCase();
    if (!NUMBER_ENDING.test(numberEnding)) errors['number-ending'] = this.t('errNumberEnding');
    const note = valueOf(root, 'note');
    if (Object.keys(errors).length > 0 || limit === null) return { errors };
    return {
      account: {
        displayName,
        currency: this.currency,
        ...(limit === undefined ? {} : { monthlyLimit: limit }),
        idCheck: {
          documentType: documentType as DocumentType,
          numberEnding,
          ...(note ? { note } : {}),
        },
      },
    };
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const read = this.read();
    this.error = '';
    if ('errors' in read) {
      this.errors = read.errors;
      await this.updateComplete;
      focusFirstInvalid(this.renderRoot, this.errors, FIELDS);
      this.announce(this.t('formHasErrors'));
      return;
    }
    this.errors = {};
    this.busy = true;
    try {
      const { id } = await this.api.createAccount(read.account);
      this.announce(this.t('accountCreated', { name: read.account.displayName }));
      this.navigate(routePath({ name: 'account', id }));
    } catch (error) {
      if (this.sessionEnded(error)) return;
      this.error = this.errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private renderAccountFields(): TemplateResult {
    const e = this.errors;
    return html`<fieldset>
      <legend>${this.t('accountLegend')}</legend>
      <div class="field">
        <label for="display-name">${this.t('displayName')}</label>
        <input
          id="display-name"
          maxlength="100"
          autocomplete="off"
          required
          aria-invalid=${invalid('display-name', e)}
          aria-describedby=${describedBy('display-name', e)}
        />
        <p class="help" id="display-name-help">${this.t('displayNameHelp')}</p>
        ${fieldError('display-name', e)}
      </div>
      <div class="field">
        <label for="currency">${this.t('currency')}</label>
        <select
          id="currency"
          .value=${this.currency}
          @change=${(event: Event) => (this.currency = (event.target as HTMLSelectElement).value)}
        >
          ${ACCOUNT_CURRENCIES.map(
            (code) =>
              html`<option value=${code} ?selected=${code === this.currency}>${code}</option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="limit">${this.t('monthlyLimitOptional', { currency: this.currency })}</label>
        <input
          id="limit"
          inputmode="decimal"
          autocomplete="off"
          aria-invalid=${invalid('limit', e)}
          aria-describedby=${describedBy('limit', e)}
        />
        <p class="help" id="limit-help">${this.t('monthlyLimitHelp')}</p>
        ${fieldError('limit', e)}
      </div>
    </fieldset>`;
  }

  private renderIdCheckFields(): TemplateResult {
    const e = this.errors;
    return html`<fieldset>
      <legend>${this.t('idCheckLegend')}</legend>
      <p class="help lead">${this.t('idCheckIntro')}</p>
      <div class="field">
        <label for="document-type">${this.t('documentType')}</label>
        <select
          id="document-type"
          required
          aria-invalid=${invalid('document-type', e)}
          aria-describedby=${describedBy('document-type', e, false)}
        >
          <option value="">${this.t('choose')}</option>
          ${DOCUMENT_TYPES.map(
            (type) => html`<option value=${type}>${this.t(documentTypeKey(type))}</option>`,
          )}
        </select>
        ${fieldError('document-type', e)}
      </div>
      <div class="field">
        <label for="number-ending">${this.t('numberEnding')}</label>
        <input
          id="number-ending"
          class="mono"
          maxlength="4"
          pattern="[A-Za-z0-9]{2,4}"
          autocomplete="off"
          spellcheck="false"
          required
          aria-invalid=${invalid('number-ending', e)}
          aria-describedby=${describedBy('number-ending', e)}
        />
        <p class="help" id="number-ending-help">${this.t('numberEndingHelp')}</p>
        ${fieldError('number-ending', e)}
      </div>
      <div class="field">
        <label for="note">${this.t('noteOptional')}</label>
        <textarea id="note" maxlength="500" aria-describedby="note-help"></textarea>
        <p class="help" id="note-help">${this.t('noteHelp')}</p>
      </div>
    </fieldset>`;
  }

  protected override render(): TemplateResult {
    return html`<p class="crumbs">
        <a href=${routePath({ name: 'accounts', query: '' })}>${this.t('backToAccounts')}</a>
      </p>
      <h1 tabindex="-1">${this.t('newAccountTitle')}</h1>
      <p>${this.t('newAccountIntro')}</p>
      <form novalidate @submit=${(event: SubmitEvent) => void this.submit(event)}>
        ${this.renderAccountFields()} ${this.renderIdCheckFields()}
        ${this.error ? html`<p class="message" role="alert">${this.error}</p>` : nothing}
        <button class="primary" type="submit" ?disabled=${this.busy}>
          ${this.t('createAccount')}
        </button>
      </form>`;
  }
}

if (!customElements.get('console-new-account')) {
  customElements.define('console-new-account', ConsoleNewAccount);
}
