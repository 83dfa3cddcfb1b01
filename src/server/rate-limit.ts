/**
 * Token-bucket rate limits kept in memory (per process). Each rule allows `burst` requests at once
 * and refills at `perMinute`. Buckets idle long enough to be full again are dropped by `sweep`.
 * `clientKey` turns a client address into the key every per-client bucket is counted by.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface RateRule {
  perMinute: number;
  burst: number;
}

/**
 * Token buckets by key: this process's (`RateLimiter`), or a store's shared by every process.
 * `take` answers 0 when a token was taken, else the seconds to wait.
 */
export interface TokenBuckets {
  take(key: string, rule: RateRule, now: number): number | Promise<number>;
  peek(key: string, rule: RateRule, now: number): number | Promise<number>;
  sweep(now: number): void | Promise<void>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  // A trailing dotted quad (`::ffff:1.2.3.4`, RFC 4291 §2.2 form 3) is the last two groups.
  if (isIPv4(text.slice(lastColon + 1))) {
    const octets = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : null;
}

/**
 * The key a client address is counted by in every per-client bucket and limit: an IPv4 address as
 * is; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, RFC 4291 §2.5.5.2) as its IPv4 address; any
 * other IPv6 address as its /64 (`2001:db8:0:1::/64`), since one subscriber is usually given a
 * whole /64 (RFC 6177) and would otherwise get 2^64 buckets. Anything that is not an address (no
 * socket address, or a proxy header that held junk) shares the one key `invalid`.
 */
export function clientKey(ip: string | undefined): string {
  const address = parseAddress(ip);
  if (!address) return 'invalid';
  if (address.v4) return address.v4.join('.');
  return `${hexGroups(address.v6, 4)}::/64`;
}

/**
 * The network an address is in, for telling whether two clients share one (the risk policy's
 * "merchant page and phone on the same network"): an IPv4 /24 or an IPv6 /48 (a site).
 */
export function networkOf(ip: string | undefined): string | null {
  const address = parseAddress(ip);
  if (!address) return null;
  if (address.v4) return `${address.v4.slice(0, 3).join('.')}.0/24`;
  return `${hexGroups(address.v6, 3)}::/48`;
}

type Address = { v4: number[]; v6?: undefined } | { v4?: undefined; v6: number[] };

/** An IPv4 address (an IPv4-mapped IPv6 one included) as its bytes, an IPv6 one as its groups. */
function parseAddress(ip: string | undefined): Address | null {
  if (!ip) return null;
  if (isIPv4(ip)) return { v4: ip.split('.').map(Number) };
  const bare = ip.replace(/%.*$/, ''); // a zone index (`fe80::1%eth0`) names an interface, not a host
  if (!isIPv6(bare)) return null;
  const groups = ipv6Groups(bare.toLowerCase());
  if (!groups) return null;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return { v4: [high >> 8, high & 0xff, low >> 8, low & 0xff] };
  }
  return { v6: groups };
}

function hexGroups(groups: number[], count: number): string {
  return groups
    .slice(0, count)
    .map((group) => group.toString(16))
    .join(':');
}

export class RateLimiter implements TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /** `key`'s bucket under `rule`, refilled up to `now` (not stored). */
  private current(key: string, rule: RateRule, now: number): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, updatedAt: now };
    const refillPerMs = rule.perMinute / 60_000;
    return {
      tokens: Math.min(rule.burst, bucket.tokens + (now - bucket.updatedAt) * refillPerMs),
      updatedAt: now,
    };
  }

  /** Seconds until `bucket` holds a whole token (at least 1). */
  private static wait(bucket: Bucket, rule: RateRule): number {
    const refillPerMs = rule.perMinute / 60_000;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
  }

  /**
   * Takes one token for `key` under `rule`. Returns 0 when allowed, otherwise the seconds to wait.
   */
  take(key: string, rule: RateRule, now: number): number {
    const bucket = this.current(key, rule, now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return RateLimiter.wait(bucket, rule);
  }

  /**
   * Whether `key` has a token under `rule`, without taking it: 0 when it has, otherwise the
   * seconds to wait. For budgets charged only afterwards (a miss is known once looked up).
   */
  peek(key: string, rule: RateRule, now: number): number {
    const bucket = this.current(key, rule, now);
    return bucket.tokens >= 1 ? 0 : RateLimiter.wait(bucket, rule);
  }

  /** Forgets buckets untouched for `idleMs`. */
  sweep(now: number, idleMs = 10 * 60_000): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt > idleMs) this.buckets.delete(key);
    }
  }
}
