/**
 * Where verification keys come from: a JWKS object the caller holds, or the issuer's remote JWKS,
 * fetched once and cached per URL (jose refetches on an unknown `kid`, at most once per cooldown).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { SettlementTokenError, toSettlementTokenError, type FailureSource } from './errors.js';

/**
 * An unknown `kid` refetches a remote JWKS at most this often (per URL), so a flood of tokens with
 * made-up kids cannot hammer the issuer. Within it, a new key fails with `token_key_unknown`.
 * @example
 * setTimeout(retryVerification, JWKS_COOLDOWN_MS); // after a token_key_unknown
 */
export const JWKS_COOLDOWN_MS = 30_000;
/**
 * A cached remote JWKS is refetched when older than this, even without an unknown `kid`.
 * @example
 * const staleAfter = fetchedAt + JWKS_CACHE_MAX_AGE_MS;
 */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/**
 * A JWKS fetch that takes longer fails with `jwks_unavailable`.
 * @example
 * const deadline = Date.now() + JWKS_TIMEOUT_MS;
 */
export const JWKS_TIMEOUT_MS = 5_000;
/** At most this many remote key sets stay cached; the least recently used goes first. */
const MAX_REMOTE_SETS = 16;

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;
type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;
type KeySet = LocalKeySet | RemoteKeySet;

const localSets = new WeakMap<object, LocalKeySet>();
const remoteSets = new Map<string, RemoteKeySet>();

/** The key set for a JWKS object, cached by identity so keys are imported once per object. */
function localKeySet(jwks: JSONWebKeySet): LocalKeySet {
  let set = localSets.get(jwks);
  if (!set) {
    try {
      set = createLocalJWKSet(jwks);
    } catch (error) {
      throw new SettlementTokenError(
        'invalid_options',
        'jwks must be a JWKS object: {keys: [...]}',
        {
          cause: error,
        },
      );
    }
    localSets.set(jwks, set);
  }
  return set;
}

/** The one cached remote key set for `url`. */
function remoteKeySet(url: URL): RemoteKeySet {
  const href = url.href;
  let set = remoteSets.get(href);
  if (set) {
    // Re-insert: Map order is then least recently used first.
    remoteSets.delete(href);
  } else {
    set = createRemoteJWKSet(url, {
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    const oldest = remoteSets.keys().next();
    if (remoteSets.size >= MAX_REMOTE_SETS && !oldest.done) remoteSets.delete(oldest.value);
  }
  remoteSets.set(href, set);
  return set;
}

/**
 * The key source for one verification, as a jose key resolver whose failures carry our codes: an
 * unknown `kid` is `token_key_unknown`; a fetch failure `jwks_unavailable` (remote) and an unusable
 * JWKS object `invalid_options` (local).
 * @throws {SettlementTokenError} `invalid_options` when `jwks` is not a JWKS object.
 * @example
 * const { payload } = await jwtVerify(token, keyResolver({ jwksUrl: new URL(url) }), options);
 */
export function keyResolver(source: { jwks: JSONWebKeySet } | { jwksUrl: URL }): JWTVerifyGetKey {
  const [set, origin]: [KeySet, FailureSource] =
    'jwks' in source
      ? [localKeySet(source.jwks), 'local-jwks']
      : [remoteKeySet(source.jwksUrl), 'remote-jwks'];
  return async (header, token) => {
    try {
      return await set(header, token);
    } catch (error) {
      throw toSettlementTokenError(error, origin);
    }
  };
}
