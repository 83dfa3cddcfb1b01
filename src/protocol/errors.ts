/**
 * Every error code dualpay uses, on the wire (`{error: {code, message}}`) and in the browser
 * (`CheckoutError.code`). Codes are public API; messages are not.
 *
 * `status` is the HTTP status the issuer answers with; `0` marks codes that only the client raises.
 */
export const ERROR_CODES = {
  // Request shape
  invalid_request: {
    status: 400,
    summary: 'A field is missing, has the wrong type or is malformed.',
  },
  invalid_json: { status: 400, summary: 'The body is not valid JSON.' },
  invalid_amount: {
    status: 400,
    summary: 'The amount is not a positive safe integer in the minor unit.',
  },
  unsupported_currency: { status: 400, summary: 'The currency is not a supported ISO 4217 code.' },
  idempotency_key_required: { status: 400, summary: 'The Idempotency-Key header is missing.' },
  payload_too_large: { status: 413, summary: 'The body exceeds the size limit.' },
  unsupported_media_type: { status: 415, summary: 'The body is not application/json.' },
  // Authentication and authorisation
  unauthorized: { status: 401, summary: 'Credentials are missing or not valid.' },
  forbidden: { status: 403, summary: 'These credentials may not do this.' },
  origin_not_allowed: {
    status: 403,
    summary: 'The request Origin is not allowed (CORS or CSRF check).',
  },
  not_found: { status: 404, summary: 'No such resource for these credentials.' },
  // State
  idempotency_conflict: {
    status: 409,
    summary: 'The Idempotency-Key was used with a different request body.',
  },
  session_not_open: { status: 409, summary: 'The session is no longer open for this step.' },
  session_settled: { status: 409, summary: 'The session is already settled.' },
  session_expired: { status: 410, summary: 'The session passed its expiry time.' },
  session_cancelled: { status: 409, summary: 'The session was cancelled.' },
  session_declined: { status: 409, summary: 'The payer declined the session.' },
  session_failed: {
    status: 409,
    summary: 'The session failed (too many failed attempts or a limit).',
  },
  handoff_expired: {
    status: 410,
    summary: 'The hand-off code expired or was replaced by a newer one.',
  },
  handoff_claimed: {
    status: 409,
    summary: 'The hand-off code was already claimed by another phone.',
  },
  binding_mismatch: {
    status: 422,
    summary: 'The number chosen does not match the one on the merchant screen.',
  },
  authentication_failed: {
    status: 422,
    summary: 'The card approval could not be verified.',
  },
  challenge_expired: {
    status: 409,
    summary: 'No usable challenge: request new authentication options.',
  },
  credential_not_allowed: {
    status: 403,
    summary: 'This card may not be used here (for example a test card with a live merchant).',
  },
  enrollment_expired: { status: 410, summary: 'The enrolment code expired or was already used.' },
  limit_exceeded: { status: 422, summary: "The payment would exceed the account's monthly limit." },
  // Rate limits
  slow_down: { status: 429, summary: 'Polling faster than `interval`; add 5 s (RFC 8628 §3.5).' },
  rate_limited: { status: 429, summary: 'Too many requests; retry after `Retry-After` seconds.' },
  // Client-side only
  network_error: {
    status: 0,
    summary: 'The issuer or the merchant endpoint could not be reached.',
  },
  invalid_response: { status: 0, summary: 'A server answered with something unexpected.' },
  invalid_configuration: {
    status: 0,
    summary: 'The element is missing `issuer` or a way to create a session.',
  },
  session_creation_failed: { status: 0, summary: "The merchant's session endpoint failed." },
  nfc_unavailable: { status: 0, summary: 'Web NFC is not available or was not allowed.' },
  aborted: { status: 0, summary: 'The operation was aborted (reset, detach or a newer start).' },
  internal_error: { status: 500, summary: 'An unexpected fault; nothing was changed.' },
} as const satisfies Record<string, { status: number; summary: string }>;

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
  const { status } = ERROR_CODES[code];
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

  constructor(
    code: ErrorCode,
    message: string = ERROR_CODES[code].summary,
    options?: ErrorOptions,
  ) {
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
