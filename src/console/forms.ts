/**
 * Form checks in the operator's language: each field's mistake is shown under it, tied to the
 * field with `aria-describedby` and `aria-invalid`, and focus goes to the first wrong field (the
 * browser's own bubbles would speak the browser's language, not the console's).
 */
import { html, nothing, type TemplateResult } from 'lit';

/** Field id → what is wrong with it. */
export type FieldErrors = Partial<Record<string, string>>;

/** `aria-describedby` of field `id`: its help text (when it has one) and its error. */
export function describedBy(id: string, errors: FieldErrors, hasHelp = true): string {
  return [hasHelp ? `${id}-help` : '', errors[id] ? `${id}-error` : ''].filter(Boolean).join(' ');
}

export function invalid(id: string, errors: FieldErrors): 'true' | 'false' {
  return errors[id] ? 'true' : 'false';
}

export function fieldError(id: string, errors: FieldErrors): TemplateResult | typeof nothing {
  const message = errors[id];
  return message ? html`<p class="field-error" id="${id}-error">${message}</p>` : nothing;
}

/** Focuses the first field (in `order`) that has an error; true when there was one. */
export function focusFirstInvalid(
  root: ParentNode,
  errors: FieldErrors,
  order: readonly string[],
): boolean {
  const first = order.find((id) => errors[id]);
  if (!first) return false;
  root.querySelector<HTMLElement>(`#${first}`)?.focus();
  return true;
}

/** The trimmed value of the form control with `id` under `root` ('' when absent). */
export function valueOf(root: ParentNode, id: string): string {
  const control = root.querySelector<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
    `#${id}`,
  );
  return control?.value.trim() ?? '';
}

/** The longest overlap a key or secret roll offers (the old one keeps working), in minutes. */
export const MAX_OVERLAP_MINUTES = 7 * 24 * 60;

/** An overlap typed in minutes (empty: none), or null when it is not 0–`MAX_OVERLAP_MINUTES`. */
export function overlapMinutes(input: HTMLInputElement | null): number | null {
  const text = (input?.value ?? '').normalize('NFKC').trim();
  const minutes = text === '' ? 0 : Number(text);
  return Number.isInteger(minutes) && minutes >= 0 && minutes <= MAX_OVERLAP_MINUTES
    ? minutes
    : null;
}
