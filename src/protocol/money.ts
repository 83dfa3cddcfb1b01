import { CheckoutError } from './errors.js';

/**
 * ISO 4217 minor-unit exponents of the currencies dualpay accepts. Amounts travel as integers in
 * the minor unit (`KRW` 1500 is ₩1,500; `USD` 1500 is $15.00).
 */
export const CURRENCY_EXPONENTS = {
  AED: 2,
  AUD: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PHP: 2,
  PLN: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  USD: 2,
  VND: 0,
  ZAR: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

/** An ISO 4217 code dualpay accepts. */
export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

/** Largest accepted amount: the largest integer a JSON number carries exactly (2^53 − 1). */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** Whether `value` is an upper-case ISO 4217 code that dualpay accepts. */
export function isSupportedCurrency(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, value);
}

/**
 * The number of minor-unit digits of `currency` (KRW 0, USD 2, BHD 3).
 * @throws {CheckoutError} `unsupported_currency`
 */
export function minorUnitExponent(currency: string): 0 | 2 | 3 {
  if (!isSupportedCurrency(currency)) {
    throw new CheckoutError('unsupported_currency', `Unsupported currency: ${describe(currency)}`);
  }
  return CURRENCY_EXPONENTS[currency];
}

/** Whether `value` is a valid amount: an integer from 1 to 2^53 − 1 (minor units). */
export function isValidAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Checks an amount in minor units: an integer, at least 1, at most 2^53 − 1.
 * @throws {CheckoutError} `invalid_amount` for fractions, zero, negatives, unsafe integers,
 *   `NaN`, infinities and non-numbers.
 */
export function assertAmount(value: unknown): asserts value is number {
  if (!isValidAmount(value)) {
    throw new CheckoutError(
      'invalid_amount',
      `Amount must be a positive integer in minor units no larger than ${MAX_AMOUNT}; got ${describe(value)}`,
    );
  }
}

/**
 * The exact decimal string of an amount in major units: `toDecimalString(1505, 'USD')` is `"15.05"`,
 * `toDecimalString(1505, 'KRW')` is `"1505"`. Uses string arithmetic, so no float rounding.
 * @throws {CheckoutError} `invalid_amount`, `unsupported_currency`
 */
export function toDecimalString(amount: number, currency: string): string {
  assertAmount(amount);
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return String(amount);
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * Formats an amount for people with `Intl.NumberFormat` in `locale`, with exactly the currency's
 * minor-unit digits (`KRW` 1500 in `ko` is `₩1,500`; `USD` 1505 in `en` is `$15.05`).
 * @throws {CheckoutError} `invalid_amount`, `unsupported_currency`
 */
export function formatAmount(amount: number, currency: string, locale?: string): string {
  const exponent = minorUnitExponent(currency);
  const decimal = toDecimalString(amount, currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Intl.NumberFormat v3 formats a decimal string exactly; the cast covers older lib typings.
  return format.format(decimal as unknown as number);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 16));
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return value === null ? 'null' : typeof value;
}
