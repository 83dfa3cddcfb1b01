/**
 * Replay protection for settlement tokens: remember each accepted `jti` until the token could no
 * longer verify anyway, and refuse it the second time.
 */

/**
 * Where `verifySettlementToken` records the `jti` of every token it accepts. Both methods may be
 * sync or async. It calls `has` only after the signature and every claim verified, then `add`.
 *
 * `add` must be atomic check-and-set: two servers (or two requests) verifying one token at the same
 * moment both see `has() === false`, so `add` is what decides. Return `false` (or throw) when the
 * `jti` is already there (`null` counts too, so a raw Redis `SET NX` answer works); the verification
 * then fails with `token_replayed`. Returning nothing means "added" and suits only a store without
 * that race.
 *
 * In a multi-process deployment use a shared store, e.g. Redis `SET dualpay:jti:<jti> 1 NX EXAT
 * <exp>`, which is atomic and expires the entry by itself.
 *
 * @example
 * // Redis (node-redis v4): SET NX answers null when the key exists.
 * const redisReplayGuard: ReplayGuard = {
 *   async has(jti) {
 *     return (await redis.exists(`dualpay:jti:${jti}`)) === 1;
 *   },
 *   async add(jti, exp) {
 *     const set = await redis.set(`dualpay:jti:${jti}`, '1', { NX: true, EXAT: exp });
 *     return set === 'OK';
 *   },
 * };
 */
export interface ReplayGuard {
  /** Whether `jti` was already accepted (and is not yet past its `exp`). */
  has(jti: string): boolean | Promise<boolean>;
  /**
   * Records `jti` until `exp`, in seconds since the epoch: the moment after which the verifier
   * rejects the token as expired anyway (its `exp` claim plus the clock tolerance). Returns `false`
   * (or `null`, what Redis `SET NX` answers) or throws when `jti` is already recorded. `void` is in
   * the union so that a plain method that returns nothing fits.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  add(jti: string, exp: number): void | boolean | null | Promise<void | boolean | null>;
}

/**
 * Options of {@link createMemoryReplayGuard}.
 *
 * @example
 * const guard = createMemoryReplayGuard({ now: () => clock.now() });
 */
export interface MemoryReplayGuardOptions {
  /** The clock, in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * The in-memory {@link ReplayGuard}: `add` reports a duplicate by returning `false`.
 *
 * @example
 * const guard = createMemoryReplayGuard();
 * guard.add('stl_1', Math.floor(Date.now() / 1000) + 930); // true
 * guard.add('stl_1', Math.floor(Date.now() / 1000) + 930); // false: already there
 */
export interface MemoryReplayGuard extends ReplayGuard {
  has(jti: string): boolean;
  /** Adds `jti` unless it is already there; `true` when added, `false` for a duplicate. */
  add(jti: string, exp: number): boolean;
  /** How many unexpired `jti`s it holds (after dropping expired ones). */
  readonly size: number;
}

/** Sweep the whole map at most this often; single lookups drop their own expired entry. */
const SWEEP_INTERVAL_MS = 1000;

/**
 * A replay guard in this process's memory: a `Map` of `jti` → `exp` that drops expired entries as
 * it is used. Check-and-add is atomic (JavaScript runs one `add` at a time), so two concurrent
 * verifications of one token in this process cannot both pass.
 *
 * Good for a single-process server and for tests. It forgets everything on restart, and every
 * process has its own: a multi-process or multi-host deployment needs a shared store with an atomic
 * add, such as Redis `SET key 1 NX EXAT exp` (see {@link ReplayGuard}).
 *
 * @example
 * import express from 'express';
 * import { createMemoryReplayGuard, verifySettlementToken } from 'dualpay/verify';
 *
 * const replayGuard = createMemoryReplayGuard(); // one per process, not per request
 *
 * app.post('/orders/:id/paid', express.json(), async (req, res) => {
 *   const claims = await verifySettlementToken(req.body.token, {
 *     issuer: 'https://pay.example',
 *     audience: 'm_shop',
 *     jwksUrl: 'https://pay.example/.well-known/jwks.json',
 *     replayGuard,
 *   });
 *   res.json({ paid: claims.jti });
 * });
 */
export function createMemoryReplayGuard(options: MemoryReplayGuardOptions = {}): MemoryReplayGuard {
  const now = options.now ?? Date.now;
  const entries = new Map<string, number>();
  let lastSweepMs = -Infinity;
  const nowSec = () => Math.floor(now() / 1000);

  function sweep(): void {
    const ms = now();
    if (ms - lastSweepMs < SWEEP_INTERVAL_MS) return;
    lastSweepMs = ms;
    const sec = Math.floor(ms / 1000);
    for (const [jti, exp] of entries) if (exp <= sec) entries.delete(jti);
  }

  function has(jti: string): boolean {
    const exp = entries.get(jti);
    if (exp === undefined) return false;
    if (exp <= nowSec()) {
      entries.delete(jti);
      return false;
    }
    return true;
  }

  return {
    has,
    add(jti, exp) {
      sweep();
      if (has(jti)) return false;
      entries.set(jti, exp);
      return true;
    },
    get size() {
      sweep();
      return entries.size;
    },
  };
}
