/**
 * The merchant fields, shared by "New merchant" and the merchant page: name, allowed origins (one
 * per line: the pages that may show the checkout) and mode (test accepts test cards, live only
 * certified hardware cards).
 */
import { html, type TemplateResult } from 'lit';
import { invalidOrigins, parseOrigins } from './format.js';
import { describedBy, fieldError, invalid, valueOf, type FieldErrors } from './forms.js';
import type { ViewContext } from './screen-base.js';
import type { MerchantFields, MerchantMode } from './types.js';

export const MERCHANT_FIELDS = ['merchant-name', 'merchant-origins'] as const;

/** The form's values, or the mistakes to show. */
export function readMerchantForm(
  root: ParentNode,
  t: ViewContext['t'],
): { fields: MerchantFields } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = valueOf(root, 'merchant-name');
  if (!name) errors['merchant-name'] = t('errNameRequired');
  const allowedOrigins = parseOrigins(valueOf(root, 'merchant-origins'));
  const wrong = invalidOrigins(allowedOrigins);
  if (allowedOrigins.length === 0) errors['merchant-origins'] = t('errOriginsRequired');
  else if (wrong.length > 0) {
    errors['merchant-origins'] = t('errOrigins', { origins: wrong.join(', ') });
  }
  const checked = root.querySelector<HTMLInputElement>('input[name="merchant-mode"]:checked');
  const mode: MerchantMode = checked?.value === 'live' ? 'live' : 'test';
  if (Object.keys(errors).length > 0) return { errors };
  return { fields: { name, allowedOrigins, mode } };
}

export function merchantFields(
  v: ViewContext,
  values: MerchantFields,
  errors: FieldErrors,
): TemplateResult {
  return html`<div class="field">
      <label for="merchant-name">${v.t('merchantName')}</label>
      <input
        id="merchant-name"
        maxlength="100"
        autocomplete="off"
        .value=${values.name}
        aria-invalid=${invalid('merchant-name', errors)}
        aria-describedby=${describedBy('merchant-name', errors, false)}
      />
      ${fieldError('merchant-name', errors)}
    </div>
    <div class="field">
      <label for="merchant-origins">${v.t('allowedOrigins')}</label>
      <textarea
        id="merchant-origins"
        spellcheck="false"
        autocapitalize="off"
        .value=${values.allowedOrigins.join('\n')}
        aria-invalid=${invalid('merchant-origins', errors)}
        aria-describedby=${describedBy('merchant-origins', errors)}
      ></textarea>
      <p class="help" id="merchant-origins-help">${v.t('allowedOriginsHelp')}</p>
      ${fieldError('merchant-origins', errors)}
    </div>
    <fieldset class="field">
      <legend>${v.t('mode')}</legend>
      ${(['test', 'live'] as const).map(
        (mode) =>
          html`<label class="choice"
            ><input
              type="radio"
              name="merchant-mode"
              value=${mode}
              .checked=${values.mode === mode}
              aria-describedby="merchant-mode-help"
            />${v.t(mode === 'test' ? 'modeTest' : 'modeLive')}</label
          >`,
      )}
      <p class="help" id="merchant-mode-help">${v.t('modeHelp')}</p>
    </fieldset>`;
}
