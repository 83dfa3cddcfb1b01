/**
 * Monthly limits: one limit per account, in the account's currency, covering every payment. A
 * payment in another currency counts at the issuer's configured exchange rate; without a rate it
 * is refused (`currency_not_supported`). `DEFAULT_MONTHLY_LIMITS` only fills in `monthlyLimit`
 * when an account is created without one (about ₩1,000,000 in each currency, minor units).
 */
import { isSupportedCurrency, minorUnitExponent } from '../protocol/index.js';

export const DEFAULT_MONTHLY_LIMITS: Readonly<Record<string, number>> = {
  KRW: 1_000_000,
  JPY: 110_000,
  USD: 75_000,
  EUR: 70_000,
  GBP: 60_000,
  CNY: 540_000,
  HKD: 590_000,
  SGD: 100_000,
  TWD: 2_400_000,
  AUD: 115_000,
  CAD: 100_000,
  CHF: 66_000,
};

/**
 * Exchange rates for limits: one unit (major) of each currency in `rates` is worth that many
 * units of `base`. `{base: 'KRW', rates: {USD: 1380.5}}` says $1 = ₩1,380.50.
 */
export interface ExchangeRates {
  base: string;
  rates: Readonly<Record<string, number>>;
}

/** Start of the UTC calendar month containing `now` (epoch ms). */
export function monthStartUtc(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function rateOf(rates: ExchangeRates, currency: string): number | undefined {
  return currency === rates.base ? 1 : rates.rates[currency];
}

/**
 * `amount` (minor units of `from`) in minor units of `to`, rounded **up** so that a limit is never
 * under-counted; `null` when there is no rate for either currency.
 */
export function convertForLimit(
  amount: number,
  from: string,
  to: string,
  rates: ExchangeRates | undefined,
): number | null {
  if (from === to) return amount;
  if (!rates) return null;
  const fromRate = rateOf(rates, from);
  const toRate = rateOf(rates, to);
  if (fromRate === undefined || toRate === undefined) return null;
  const major = amount / 10 ** minorUnitExponent(from);
  // A tiny epsilon absorbs binary rounding (0.1 + 0.2) before rounding up.
  return Math.ceil(((major * fromRate) / toRate) * 10 ** minorUnitExponent(to) - 1e-9);
}

/** Reads and checks an exchange-rate table (the `--exchange-rates` file); throws with the reason. */
export function parseExchangeRates(value: unknown): ExchangeRates {
  const table = value as { base?: unknown; rates?: unknown } | null;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new TypeError(
      'exchange rates must be an object {"base": "KRW", "rates": {"USD": 1380.5}}',
    );
  }
  if (typeof table.base !== 'string' || !isSupportedCurrency(table.base)) {
    throw new TypeError('exchange rates: "base" must be a supported ISO 4217 currency code');
  }
  if (typeof table.rates !== 'object' || table.rates === null || Array.isArray(table.rates)) {
    throw new TypeError('exchange rates: "rates" must be an object of currency → rate');
  }
  const rates: Record<string, number> = {};
  for (const [currency, rate] of Object.entries(table.rates as Record<string, unknown>)) {
    if (!isSupportedCurrency(currency)) {
      throw new TypeError(
        `exchange rates: ${JSON.stringify(currency)} is not a supported currency`,
      );
    }
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new TypeError(`exchange rates: the rate of ${currency} must be a positive number`);
    }
    rates[currency] = rate;
  }
  return { base: table.base, rates };
}
