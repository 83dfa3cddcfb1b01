/**
 * Default monthly spending limits per account: ₩1,000,000 and rough equivalents, in minor units.
 * An account's own limit applies in its own currency; payments in another currency are held to
 * that currency's default here. A currency without a default here cannot be paid from an account
 * in another currency (the payment fails with `limit_exceeded` and says why).
 */
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

/** Start of the UTC calendar month containing `now` (epoch ms). */
export function monthStartUtc(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}
