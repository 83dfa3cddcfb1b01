/**
 * Offline verification of settlement tokens (docs/protocol.md "Settlement token") for merchant servers: signature against
 * the issuer's JWKS, header, registered claims, the transaction hash, the merchant's own order, and
 * (optionally) single use.
 */
import { jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  SETTLEMENT_KEY_METHODS,
  SETTLEMENT_TOKEN_TTL_SEC,
  SETTLEMENT_TOKEN_TYP,
  isSupportedCurrency,
  isValidAmount,
  transactionHash,
  type SettlementClaims,
} from '../protocol/index.js';
import { SettlementTokenError, toSettlementTokenError } from './errors.js';
import { keyResolver } from './key-sources.js';
import type { ReplayGuard } from './replay-guard.js';

/**
 * The merchant's own record of the order a token must pay for.
 *
 * @example
 * const expected: ExpectedOrder = { orderId: order.id, amount: order.totalMinor, currency: 'KRW' };
 */
export interface ExpectedOrder {
  /** The `orderId` the merchant created the checkout session with. */
  orderId: string;
  /** The amount in the currency's minor unit (KRW 1500 is ₩1,500; USD 1500 is $15.00). */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
}

interface CommonOptions {
  /** The issuer's public origin, exactly as in the token's `iss` (e.g. `https://pay.example`). */
  issuer: string;
  /** This merchant's id, exactly as in the token's `aud`. */
  audience: string;
  /** The order the token must pay for; a difference fails with its own code. */
  expected?: ExpectedOrder | undefined;
  /** Allowed clock skew, in seconds, for `exp`, `iat` and `nbf`. Default 30. */
  clockToleranceSec?: number | undefined;
  /** Refuses a second use of one token (`token_replayed`). */
  replayGuard?: ReplayGuard | undefined;
  /**
   * Accept only payments by a trusted hardware card (`amr` `hwk`), refusing a test card's `swk`
   * with `token_hardware_key_required`. Live merchants should set it. Default false.
   */
  requireHardwareKey?: boolean | undefined;
}

/**
 * Options of {@link verifySettlementToken}: `issuer`, `audience`, and exactly one key source —
 * `jwks` (a JWKS object you hold) or `jwksUrl` (the issuer's `/.well-known/jwks.json`, fetched and
 * cached per URL, refetched on an unknown `kid`). `jwksUrl` must be `https:`, or `http:` to a
 * loopback host.
 *
 * @example
 * const options: VerifySettlementTokenOptions = {
 *   issuer: 'https://pay.example',
 *   audience: 'm_shop',
 *   jwksUrl: 'https://pay.example/.well-known/jwks.json',
 *   expected: { orderId: 'order-1001', amount: 1500, currency: 'KRW' },
 *   replayGuard: createMemoryReplayGuard(),
 * };
 */
export type VerifySettlementTokenOptions = CommonOptions &
  ({ jwks: JSONWebKeySet; jwksUrl?: undefined } | { jwksUrl: string | URL; jwks?: undefined });

/** Default allowed clock skew, in seconds. */
const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** A real token is ~700 characters; refuse megabytes before decoding them. */
const MAX_TOKEN_LENGTH = 8192;
/** Claims jose must find present; their types are checked in `readClaims`. */
const REQUIRED_CLAIMS = [
  'iss',
  'aud',
  'sub',
  'jti',
  'iat',
  'exp',
  'orderId',
  'amount',
  'currency',
  'txn',
  'amr',
];
/** Unpadded base64url of 32 bytes. */
const TXN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface ResolvedOptions {
  issuer: string;
  audience: string;
  getKey: JWTVerifyGetKey;
  expected: ExpectedOrder | undefined;
  clockToleranceSec: number;
  replayGuard: ReplayGuard | undefined;
  requireHardwareKey: boolean;
}

function invalidOptions(message: string): SettlementTokenError {
  return new SettlementTokenError('invalid_options', message);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}

function parseJwksUrl(value: unknown): URL {
  let url: URL;
  try {
    if (!(value instanceof URL) && typeof value !== 'string') throw new TypeError('not a string');
    url = new URL(value);
  } catch (error) {
    throw new SettlementTokenError('invalid_options', 'jwksUrl must be an absolute URL', {
      cause: error,
    });
  }
  // Keys fetched in clear text could be swapped by anyone on the path; loopback is the exception
  // for local development (the demo issuer runs on http://localhost:4010).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw invalidOptions('jwksUrl must use https: (http: only for localhost)');
  }
  return url;
}

function checkExpected(value: unknown): ExpectedOrder | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw invalidOptions('expected must be {orderId, amount, currency}');
  }
  const { orderId, amount, currency } = value as Record<string, unknown>;
  if (!isNonEmptyString(orderId)) throw invalidOptions('expected.orderId must be a string');
  if (!isValidAmount(amount)) {
    throw invalidOptions('expected.amount must be a positive integer in minor units');
  }
  if (!isSupportedCurrency(currency)) {
    throw invalidOptions('expected.currency must be an upper-case ISO 4217 code dualpay supports');
  }
  return { orderId, amount, currency };
}

function checkReplayGuard(value: unknown): ReplayGuard | undefined {
  if (value === undefined) return undefined;
  const guard = value as Partial<ReplayGuard> | null;
  if (typeof guard?.has !== 'function' || typeof guard.add !== 'function') {
    throw invalidOptions('replayGuard must have has(jti) and add(jti, exp) methods');
  }
  return guard as ReplayGuard;
}

/** Validates the caller's options once, up front, so a misconfiguration never looks like a bad token. */
function resolveOptions(options: VerifySettlementTokenOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidOptions('options are required');
  const {
    issuer,
    audience,
    jwks,
    jwksUrl,
    clockToleranceSec = DEFAULT_CLOCK_TOLERANCE_SEC,
    requireHardwareKey = false,
  } = options;
  if (!isNonEmptyString(issuer)) throw invalidOptions('issuer must be a non-empty string');
  if (!isNonEmptyString(audience)) throw invalidOptions('audience must be a non-empty string');
  if ((jwks === undefined) === (jwksUrl === undefined)) {
    throw invalidOptions('pass exactly one of jwks and jwksUrl');
  }
  if (
    typeof clockToleranceSec !== 'number' ||
    !Number.isFinite(clockToleranceSec) ||
    clockToleranceSec < 0
  ) {
    throw invalidOptions('clockToleranceSec must be a non-negative number of seconds');
  }
  if (typeof requireHardwareKey !== 'boolean') {
    throw invalidOptions('requireHardwareKey must be a boolean');
  }
  const getKey =
    jwks !== undefined ? keyResolver({ jwks }) : keyResolver({ jwksUrl: parseJwksUrl(jwksUrl) });
  return {
    issuer,
    audience,
    getKey,
    expected: checkExpected(options.expected),
    clockToleranceSec,
    replayGuard: checkReplayGuard(options.replayGuard),
    requireHardwareKey,
  };
}

function claimsInvalid(message: string): SettlementTokenError {
  return new SettlementTokenError('token_claims_invalid', message);
}

/**
 * RFC 8176 `amr` is a set of method names: exactly one key method (`hwk` or `swk`), plus `mfa` and
 * `mca`, nothing else, in any order. Returned in the issuer's order.
 */
function readAmr(amr: unknown): SettlementClaims['amr'] {
  const keyMethods: readonly unknown[] = SETTLEMENT_KEY_METHODS;
  const [keyMethod, ...others] = Array.isArray(amr)
    ? amr.filter((method) => keyMethods.includes(method))
    : [];
  if (
    !Array.isArray(amr) ||
    amr.length !== 3 ||
    keyMethod === undefined ||
    others.length > 0 ||
    !amr.includes('mfa') ||
    !amr.includes('mca')
  ) {
    throw claimsInvalid('amr must be ["hwk" or "swk", "mfa", "mca"]');
  }
  return [keyMethod as SettlementClaims['amr'][0], 'mfa', 'mca'];
}

/** Checks the type of every claim jose does not type-check, and returns exactly the known claims. */
function readClaims(payload: JWTPayload): SettlementClaims {
  const { iss, aud, sub, jti, iat, exp, orderId, amount, currency, txn, amr } = payload;
  if (!isNonEmptyString(iss)) throw claimsInvalid('iss must be a string');
  // jose accepts an array `aud` that contains the audience; a settlement is for one merchant.
  if (!isNonEmptyString(aud)) throw claimsInvalid('aud must be a string');
  if (!isNonEmptyString(sub)) throw claimsInvalid('sub must be a non-empty string');
  if (!isNonEmptyString(jti)) throw claimsInvalid('jti must be a non-empty string');
  if (!Number.isSafeInteger(iat)) throw claimsInvalid('iat must be an integer');
  if (!Number.isSafeInteger(exp)) throw claimsInvalid('exp must be an integer');
  if (!isNonEmptyString(orderId)) throw claimsInvalid('orderId must be a non-empty string');
  if (!isValidAmount(amount)) throw claimsInvalid('amount must be a positive integer');
  if (!isSupportedCurrency(currency)) throw claimsInvalid('currency must be a supported code');
  if (typeof txn !== 'string' || !TXN_PATTERN.test(txn)) {
    throw claimsInvalid('txn must be an unpadded base64url SHA-256');
  }
  const methods = readAmr(amr);
  return {
    iss,
    aud,
    sub,
    jti,
    iat: iat as number,
    exp: exp as number,
    orderId,
    amount,
    currency,
    txn,
    amr: methods,
  };
}

/** The token's `txn` must be the hash of its own transaction claims (docs/protocol.md "Canonical transaction and `txn`"). */
async function checkTransactionHash(claims: SettlementClaims): Promise<void> {
  let recomputed: string;
  try {
    recomputed = await transactionHash({
      amount: claims.amount,
      currency: claims.currency,
      merchantId: claims.aud,
      orderId: claims.orderId,
      sessionId: claims.sub,
    });
  } catch (error) {
    // readClaims already checked every field, so this is a belt-and-braces refusal.
    throw new SettlementTokenError('token_claims_invalid', undefined, { cause: error });
  }
  if (recomputed !== claims.txn) throw new SettlementTokenError('token_txn_mismatch');
}

function checkOrder(claims: SettlementClaims, expected: ExpectedOrder | undefined): void {
  if (!expected) return;
  if (claims.orderId !== expected.orderId) throw new SettlementTokenError('token_order_mismatch');
  if (claims.amount !== expected.amount) throw new SettlementTokenError('token_amount_mismatch');
  if (claims.currency !== expected.currency) {
    throw new SettlementTokenError('token_currency_mismatch');
  }
}

/**
 * `has` first (cheap, and lets a plain store work), then `add`, which must be atomic: it is what
 * stops two concurrent verifications of one token. A guard that fails refuses the token (fail
 * closed) — without it nobody can say the token is fresh.
 */
async function checkReplay(
  claims: SettlementClaims,
  guard: ReplayGuard | undefined,
  clockToleranceSec: number,
): Promise<void> {
  if (!guard) return;
  let seen: boolean;
  try {
    seen = await guard.has(claims.jti);
  } catch (error) {
    throw new SettlementTokenError('token_replayed', 'The replay guard failed (has).', {
      cause: error,
    });
  }
  if (seen) throw new SettlementTokenError('token_replayed');
  let added: unknown;
  try {
    // Keep the jti for as long as this verifier would still accept the token.
    added = await guard.add(claims.jti, claims.exp + Math.ceil(clockToleranceSec));
  } catch (error) {
    throw new SettlementTokenError('token_replayed', 'The replay guard refused the jti (add).', {
      cause: error,
    });
  }
  // `null` is what Redis SET NX answers for an existing key: never read it as "added".
  if (added === false || added === null) throw new SettlementTokenError('token_replayed');
}

/**
 * Verifies a settlement token offline and returns its claims; throws {@link SettlementTokenError}
 * otherwise. Fulfil an order only after this resolves.
 *
 * Checks, in order: options (`invalid_options`); the compact JWS, `alg` ES256 only, the key by
 * `kid` (`token_key_unknown`; a remote JWKS is refetched once on an unknown `kid`), the signature;
 * header `typ` `dualpay-settlement+jwt`; `iss`, `aud`; `exp` not past and `iat`/`nbf` not future
 * beyond `clockToleranceSec` (default 30 s), and `iat` no older than the 900 s token life; every
 * claim present and well typed; `txn` equal to the hash of the token's own `{amount, currency,
 * merchantId: aud, orderId, sessionId: sub}`; `expected` order, amount, currency; with
 * `requireHardwareKey`, `amr` `hwk` (`token_hardware_key_required` for `swk`); finally the replay
 * guard (`has`, then an atomic `add` with the token's `exp` plus the tolerance).
 *
 * Needs only Web Crypto and `fetch`: runs in Node ≥ 20, browsers, Deno, Bun and edge runtimes.
 *
 * @param token The compact JWS the page received (`dualpay-settled` / `start()`), or the
 *   `settlementToken` of `GET /v1/checkout-sessions/:id`.
 * @returns The verified claims: `sub` is the session id, `jti` the settlement id.
 * @throws {SettlementTokenError} with a stable `code`; the original failure is `cause`.
 *
 * @example
 * // A merchant's Express handler: the page posts the token it got from <dualpay-checkout>.
 * import express from 'express';
 * import {
 *   SettlementTokenError,
 *   createMemoryReplayGuard,
 *   verifySettlementToken,
 * } from 'dualpay/verify';
 *
 * const app = express();
 * const replayGuard = createMemoryReplayGuard(); // multi-process: a Redis SET NX guard
 *
 * app.post('/api/orders/:orderId/complete', express.json(), async (req, res) => {
 *   const order = await orders.get(req.params.orderId);
 *   try {
 *     const claims = await verifySettlementToken(req.body.token, {
 *       issuer: 'https://pay.example',
 *       audience: process.env.DUALPAY_MERCHANT_ID!,
 *       jwksUrl: 'https://pay.example/.well-known/jwks.json',
 *       expected: { orderId: order.id, amount: order.amount, currency: order.currency },
 *       replayGuard,
 *       requireHardwareKey: true, // a live merchant: refuse test cards
 *     });
 *     await orders.markPaid(order.id, { settlementId: claims.jti, sessionId: claims.sub });
 *     res.json({ status: 'paid' });
 *   } catch (error) {
 *     if (!(error instanceof SettlementTokenError)) throw error;
 *     const status = error.code === 'jwks_unavailable' ? 503 : 400;
 *     res.status(status).json({ error: { code: error.code } });
 *   }
 * });
 */
export async function verifySettlementToken(
  token: string,
  options: VerifySettlementTokenOptions,
): Promise<SettlementClaims> {
  const resolved = resolveOptions(options);
  if (!isNonEmptyString(token) || token.length > MAX_TOKEN_LENGTH) {
    throw new SettlementTokenError('token_malformed');
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, resolved.getKey, {
      algorithms: ['ES256'],
      typ: SETTLEMENT_TOKEN_TYP,
      issuer: resolved.issuer,
      audience: resolved.audience,
      clockTolerance: resolved.clockToleranceSec,
      // Makes jose require `iat` and refuse one in the future (beyond the tolerance) or older
      // than the token life, whatever `exp` says.
      maxTokenAge: SETTLEMENT_TOKEN_TTL_SEC,
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (error) {
    throw toSettlementTokenError(error);
  }

  const claims = readClaims(payload);
  await checkTransactionHash(claims);
  checkOrder(claims, resolved.expected);
  // A test card (software-secured key) may pay test merchants; a live merchant accepts only tokens
  // of cards whose attestation the issuer verified up to a trusted root.
  if (resolved.requireHardwareKey && claims.amr[0] !== 'hwk') {
    throw new SettlementTokenError('token_hardware_key_required');
  }
  await checkReplay(claims, resolved.replayGuard, resolved.clockToleranceSec);
  return claims;
}
