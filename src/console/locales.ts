/**
 * The console's languages: English and Korean, one table each with the same keys
 * (locales-en.ts, locales-ko.ts), chosen from the browser's language unless the operator switched.
 */
import { en } from './locales-en.js';
import { ko } from './locales-ko.js';
import type { DocumentType } from './types.js';

export type MessageKey = keyof typeof en;
export type ConsoleLocale = 'en' | 'ko';

export const CONSOLE_LOCALES: readonly ConsoleLocale[] = ['en', 'ko'];

/** `ko…` → ko, anything else → en (as `phoneLocale` and the element's `resolveLocale`). */
export function consoleLocale(tag: string | undefined | null): ConsoleLocale {
  return tag?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** The text of `key` in `locale`, with `{name}` placeholders filled in as plain text. */
export function consoleMessage(
  locale: ConsoleLocale,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  const text = (locale === 'ko' ? ko : en)[key];
  return text.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in values ? String(values[name]) : match,
  );
}

/** The wording of each error code the console meets; any other code gets `errorGeneric`. */
const ERROR_KEYS: Readonly<Record<string, MessageKey>> = {
  network_error: 'errorNetwork',
  rate_limited: 'errorRateLimited',
  slow_down: 'errorRateLimited',
  unauthorized: 'errorUnauthorized',
  not_found: 'errorNotFound',
  invalid_request: 'errorInvalidRequest',
  invalid_json: 'errorInvalidRequest',
  invalid_amount: 'errorInvalidRequest',
  merchant_name_taken: 'errorNameTaken',
  origin_not_allowed: 'errorOriginNotAllowed',
  unsupported_currency: 'errorUnsupportedCurrency',
  internal_error: 'errorInternal',
  invalid_response: 'errorInvalidResponse',
  payload_too_large: 'errorTooLarge',
  webhook_url_not_allowed: 'errorWebhookUrl',
};

export function errorMessageKey(code: string): MessageKey {
  return Object.hasOwn(ERROR_KEYS, code) ? (ERROR_KEYS[code] as MessageKey) : 'errorGeneric';
}

const DOCUMENT_KEYS = {
  passport: 'docPassport',
  national_id: 'docNationalId',
  driver_license: 'docDriverLicense',
  residence_card: 'docResidenceCard',
  other: 'docOther',
} as const satisfies Record<DocumentType, MessageKey>;

export function documentTypeKey(type: DocumentType): MessageKey {
  return DOCUMENT_KEYS[type] ?? 'docOther';
}
