/**
 * The error `verifySettlementToken` throws, its stable codes, and the one place that turns raw
 * failures (jose's errors, fetch failures, guard failures) into those codes.
 */

/**
 * Every code a {@link SettlementTokenError} can carry. Codes are public API; messages are not.
 * docs/verify.md says what each one means and what a merchant server should do about it.
 *
 * @example
 * // An exhaustive table of responses, checked by the compiler:
 * const statusFor = Object.fromEntries(
 *   SETTLEMENT_TOKEN_ERROR_CODES.map((code) => [code, code === 'jwks_unavailable' ? 503 : 400]),
 * ) as Record<SettlementTokenErrorCode, number>;
 */
export const SETTLEMENT_TOKEN_ERROR_CODES = [
  'token_malformed',
  'token_signature_invalid',
  'token_algorithm_invalid',
  'token_type_invalid',
  'token_issuer_mismatch',
  'token_audience_mismatch',
  'token_expired',
  'token_not_yet_valid',
  'token_key_unknown',
  'token_claims_invalid',
  'token_txn_mismatch',
  'token_order_mismatch',
  'token_amount_mismatch',
  'token_currency_mismatch',
  'token_hardware_key_required',
  'token_replayed',
  'jwks_unavailable',
  'invalid_options',
] as const;

/**
 * A stable, snake_case reason why a settlement token was not accepted.
 *
 * @example
 * function retryable(code: SettlementTokenErrorCode): boolean {
 *   return code === 'jwks_unavailable' || code === 'token_key_unknown';
 * }
 */
export type SettlementTokenErrorCode = (typeof SETTLEMENT_TOKEN_ERROR_CODES)[number];

const MESSAGES: Record<SettlementTokenErrorCode, string> = {
  token_malformed: 'The settlement token is not a well-formed compact JWS/JWT.',
  token_signature_invalid: 'The settlement token signature does not verify.',
  token_algorithm_invalid: 'The settlement token is not signed with ES256.',
  token_type_invalid: 'The settlement token header typ is not dualpay-settlement+jwt.',
  token_issuer_mismatch: 'The settlement token was issued by another issuer.',
  token_audience_mismatch: 'The settlement token is addressed to another merchant.',
  token_expired: 'The settlement token has expired.',
  token_not_yet_valid: 'The settlement token is dated in the future.',
  token_key_unknown: 'The settlement token is signed by a key the issuer does not publish.',
  token_claims_invalid: 'The settlement token lacks a required claim or has a mistyped one.',
  token_txn_mismatch: 'The settlement token txn does not match its own transaction claims.',
  token_order_mismatch: 'The settlement token is for another order.',
  token_amount_mismatch: 'The settlement token is for another amount.',
  token_currency_mismatch: 'The settlement token is for another currency.',
  token_hardware_key_required:
    'The settlement token was approved with a test card (amr swk), not a trusted hardware card.',
  token_replayed: 'The settlement token was already used.',
  jwks_unavailable: "The issuer's signing keys could not be fetched.",
  invalid_options: 'verifySettlementToken was called with invalid options.',
};

/**
 * Why `verifySettlementToken` refused a token (or its options). Branch on `code`, never on
 * `message`; the underlying failure (a jose error, a fetch error, a replay-guard error) is `cause`.
 *
 * @example
 * try {
 *   await verifySettlementToken(token, options);
 * } catch (error) {
 *   if (error instanceof SettlementTokenError && error.code === 'token_replayed') {
 *     return res.status(409).json({ error: error.code });
 *   }
 *   throw error;
 * }
 */
export class SettlementTokenError extends Error {
  override readonly name = 'SettlementTokenError';
  /** Stable machine-readable code. */
  readonly code: SettlementTokenErrorCode;

  constructor(code: SettlementTokenErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? MESSAGES[code], options);
    this.code = code;
  }
}

/**
 * Whether `value` is one of {@link SETTLEMENT_TOKEN_ERROR_CODES}.
 *
 * @example
 * if (isSettlementTokenErrorCode(body.code)) console.warn('token refused:', body.code);
 */
export function isSettlementTokenErrorCode(value: unknown): value is SettlementTokenErrorCode {
  return (
    typeof value === 'string' && (SETTLEMENT_TOKEN_ERROR_CODES as readonly string[]).includes(value)
  );
}

/**
 * Where a failure came from: verifying the token itself, or resolving its key from a JWKS object
 * the caller passed (`local-jwks`) or from a remote JWKS URL (`remote-jwks`).
 *
 * @example
 * toSettlementTokenError(error, 'remote-jwks'); // a timeout becomes jwks_unavailable
 */
export type FailureSource = 'token' | 'local-jwks' | 'remote-jwks';

function joseCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function claimOf(error: unknown): { claim: unknown; reason: unknown } {
  const { claim, reason } = error as { claim?: unknown; reason?: unknown };
  return { claim, reason };
}

/**
 * The one mapping point from raw failures to {@link SettlementTokenError}. A `SettlementTokenError`
 * passes through unchanged; anything else is wrapped with the original as `cause`. Matches jose's
 * errors by their stable `code`, not by class, so a second copy of jose cannot confuse it.
 *
 * @example
 * try {
 *   await jwtVerify(token, getKey, options);
 * } catch (error) {
 *   throw toSettlementTokenError(error);
 * }
 */
export function toSettlementTokenError(
  error: unknown,
  source: FailureSource = 'token',
): SettlementTokenError {
  if (error instanceof SettlementTokenError) return error;
  const code = joseCode(error);
  const wrap = (mapped: SettlementTokenErrorCode) =>
    new SettlementTokenError(mapped, undefined, { cause: error });

  if (source !== 'token') {
    // Key resolution: "no key with this kid" is about the token; every other failure is about the
    // key set (fetch failed or timed out, non-200, not JSON, not a JWKS, a key that will not import).
    if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
      return wrap('token_key_unknown');
    }
    return wrap(source === 'remote-jwks' ? 'jwks_unavailable' : 'invalid_options');
  }

  switch (code) {
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED': // an unknown `crit` header parameter (RFC 7515 §4.1.11)
      return wrap('token_malformed');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return wrap('token_algorithm_invalid');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return wrap('token_signature_invalid');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return wrap('token_key_unknown');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JWK_INVALID':
    case 'ERR_JOSE_GENERIC': // jose raises it only for a remote JWKS answer (non-200, not JSON)
      return wrap('jwks_unavailable');
    case 'ERR_JWT_EXPIRED':
      // `exp` passed, or (with maxTokenAge) `iat` older than the token life.
      return wrap('token_expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = claimOf(error);
      if (reason === 'missing' || reason === 'invalid') return wrap('token_claims_invalid');
      switch (claim) {
        case 'typ':
          return wrap('token_type_invalid');
        case 'iss':
          return wrap('token_issuer_mismatch');
        case 'aud':
          return wrap('token_audience_mismatch');
        case 'iat':
        case 'nbf':
          return wrap('token_not_yet_valid');
        default:
          return wrap('token_claims_invalid');
      }
    }
    default:
      // Anything else (a TypeError on odd input, say) still refuses the token: fail closed.
      return wrap('token_malformed');
  }
}
