/**
 * Every error code dualpay uses, on the wire (`{error: {code, message}}`) and in the browser
 * (`CheckoutError.code`), with the HTTP status the issuer answers it with (`0`: raised only by the
 * client). Codes are public API; messages are not. What each code means is in
 * `ERROR_SUMMARIES` (error-summaries.ts) and docs/protocol.md.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400 },
  invalid_json: { status: 400 },
  invalid_amount: { status: 400 },
  unsupported_currency: { status: 400 },
  idempotency_key_required: { status: 400 },
  payload_too_large: { status: 413 },
  unsupported_media_type: { status: 415 },
  unauthorized: { status: 401 },
  origin_not_allowed: { status: 403 },
  not_found: { status: 404 },
  idempotency_conflict: { status: 409 },
  merchant_name_taken: { status: 409 },
  session_not_open: { status: 409 },
  session_settled: { status: 409 },
  session_expired: { status: 410 },
  session_cancelled: { status: 409 },
  session_declined: { status: 409 },
  session_failed: { status: 409 },
  session_not_settled: { status: 409 },
  refund_exceeds_amount: { status: 400 },
  webhook_url_not_allowed: { status: 400 },
  handoff_expired: { status: 410 },
  handoff_replaced: { status: 410 },
  handoff_claimed: { status: 409 },
  binding_mismatch: { status: 422 },
  authentication_failed: { status: 422 },
  challenge_expired: { status: 409 },
  credential_not_allowed: { status: 403 },
  enrollment_expired: { status: 410 },
  recovery_code_used: { status: 409 },
  limit_exceeded: { status: 422 },
  currency_not_supported: { status: 422 },
  account_frozen: { status: 422 },
  risk_declined: { status: 422 },
  card_revoked: { status: 403 },
  push_endpoint_not_allowed: { status: 422 },
  push_subscription_not_allowed: { status: 409 },
  slow_down: { status: 429 },
  rate_limited: { status: 429 },
  request_timeout: { status: 408 },
  network_error: { status: 0 },
  invalid_response: { status: 0 },
  invalid_configuration: { status: 0 },
  session_creation_failed: { status: 0 },
  nfc_unavailable: { status: 0 },
  aborted: { status: 0 },
  internal_error: { status: 500 },
  service_unavailable: { status: 503 },
} as const satisfies Record<string, { status: number }>;

/** A stable, snake_case error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The body of every error answer from the issuer. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Whether `value` is a known error code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The HTTP status the issuer answers with for `code` (400 for client-only codes). */
export function httpStatusFor(code: ErrorCode): number {
  const status: number = ERROR_CODES[code].status;
  return status === 0 ? 400 : status;
}

/**
 * The error dualpay raises, on every side, with a stable `code`.
 *
 * @example
 * try { await checkout.start(); } catch (e) {
 *   if (e instanceof CheckoutError && e.code === 'session_expired') showRetry();
 * }
 */
export class CheckoutError extends Error {
  override readonly name = 'CheckoutError';
  /** Stable machine-readable code; branch on this, never on `message`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = code, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** The `{error: {code, message}}` body for this error. */
  toJSON(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Whether `value` has the shape of an issuer error body. */
export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
