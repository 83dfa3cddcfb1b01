/**
 * Pure helpers of the console: money in and out (minor units ↔ what people type and read), one
 * date format per language, countdowns, form fields → API values. No DOM.
 */
import { formatAmount, isSupportedCurrency, minorUnitExponent } from '../protocol/index.js';
import type { AuditFilters } from './types.js';

/**
 * Currencies the console offers for a new account: those with a default monthly limit on the
 * issuer (`DEFAULT_MONTHLY_LIMITS`, src/server/limits.ts), so the limit may stay empty.
 */
export const ACCOUNT_CURRENCIES = [
  'KRW',
  'USD',
  'EUR',
  'JPY',
  'GBP',
  'CNY',
  'HKD',
  'SGD',
  'TWD',
  'AUD',
  'CAD',
  'CHF',
] as const;

/**
 * `amount` (minor units of `currency`) for people in `locale`: `formatAmount` from src/protocol
 * (exact, the currency's minor-unit digits), which starts at 1; 0 is formatted here the same way.
 * An unknown currency shows as the number and the code rather than failing the screen.
 */
export function formatMoney(amount: number, currency: string, locale: string): string {
  if (!isSupportedCurrency(currency) || !Number.isSafeInteger(amount) || amount < 0) {
    return `${amount} ${currency}`;
  }
  if (amount >= 1) return formatAmount(amount, currency, locale);
  const digits = minorUnitExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(0);
}

/** The major-unit text of a minor-unit amount, as typed into a field: `USD` 150000 → `1500.00`. */
export function toMajorText(amount: number, currency: string): string {
  const exponent = isSupportedCurrency(currency) ? minorUnitExponent(currency) : 0;
  if (exponent === 0) return String(amount);
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * What an operator typed as an amount in major units (`1,000,000`, `750.5`, full-width digits) in
 * minor units of `currency`, exactly (string arithmetic, no floats); `undefined` for an empty
 * field, `null` for anything that is not an amount with at most the currency's minor-unit digits.
 */
export function parseMajorAmount(text: string, currency: string): number | null | undefined {
  const cleaned = text.normalize('NFKC').replace(/[\s,_']/g, '');
  if (cleaned === '') return undefined;
  if (!isSupportedCurrency(currency)) return null;
  const exponent = minorUnitExponent(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > exponent) return null;
  const minor = Number(`${whole}${fraction.padEnd(exponent, '0')}`);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** One date-and-time format for a language, in the operator's time zone. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

/** Time left as `m:ss` (`h:mm:ss` from an hour), never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** Allowed origins typed one per line (blank lines and surrounding spaces dropped). */
export function parseOrigins(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Whether each line is an origin the issuer can accept: `scheme://host[:port]`, nothing more. */
export function invalidOrigins(origins: readonly string[]): string[] {
  return origins.filter((origin) => {
    try {
      const url = new URL(origin);
      return (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin;
    } catch {
      return true;
    }
  });
}

/** A `YYYY-MM-DD` day's start in the operator's time zone, as an ISO instant. */
function startOfDay(day: string, addDays = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + addDays);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * The audit filters as the query of `GET /v1/audit-events`: `from` becomes `since` (that day's
 * start), `to` becomes `until` (the next day's start, so the last day is included), an action
 * prefix `card.*` becomes `card.`.
 */
export function auditQuery(filters: AuditFilters, cursor?: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['accountId', 'cardId', 'merchantId', 'sessionId', 'action'] as const) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  // The issuer takes a prefix as `card.`; `card.*` is how people tend to type it.
  const action = params.get('action');
  if (action?.endsWith('.*')) params.set('action', action.slice(0, -1));
  const since = filters.from ? startOfDay(filters.from) : undefined;
  const until = filters.to ? startOfDay(filters.to, 1) : undefined;
  if (since) params.set('since', since);
  if (until) params.set('until', until);
  if (cursor) params.set('cursor', cursor);
  return params;
}

/** An audit event's detail as one line of JSON text (shown as text, never as markup). */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'object' && Object.keys(detail).length === 0) return '';
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}
