/**
 * Token-bucket rate limits kept in memory (per process). Each rule allows `burst` requests at once
 * and refills at `perMinute`. Buckets idle long enough to be full again are dropped by `sweep`.
 */
export interface RateRule {
  perMinute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * Takes one token for `key` under `rule`. Returns 0 when allowed, otherwise the seconds to wait.
   */
  take(key: string, rule: RateRule, now: number): number {
    const refillPerMs = rule.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, updatedAt: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
  }

  /** Forgets buckets untouched for `idleMs`. */
  sweep(now: number, idleMs = 10 * 60_000): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt > idleMs) this.buckets.delete(key);
    }
  }
}
