/**
 * One line per error code saying what it means: the default message of server errors and the
 * text of docs/protocol.md. Kept apart from `errors.ts` so browser bundles do not carry it.
 */
import type { ErrorCode } from './errors.js';

export const ERROR_SUMMARIES: Record<ErrorCode, string> = {
  invalid_request: 'A field is missing, has the wrong type or is malformed.',
  invalid_json: 'The body is not valid JSON.',
  invalid_amount: 'The amount is not a positive safe integer in the minor unit.',
  unsupported_currency: 'The currency is not a supported ISO 4217 code.',
  idempotency_key_required: 'The Idempotency-Key header is missing.',
  payload_too_large: 'The body exceeds the size limit.',
  unsupported_media_type: 'The body is not application/json.',
  unauthorized: 'Credentials are missing or not valid.',
  origin_not_allowed: 'The request Origin is not allowed (CORS or CSRF check).',
  not_found: 'No such resource for these credentials.',
  idempotency_conflict: 'The Idempotency-Key was used with a different request body.',
  merchant_name_taken: 'Another merchant has this name (compared after NFKC and case folding).',
  session_not_open: 'The session is no longer open for this step.',
  session_settled: 'The session is already settled.',
  session_expired: 'The session passed its expiry time.',
  session_cancelled: 'The session was cancelled.',
  session_declined: 'The payer declined the session.',
  session_failed: 'The session failed (too many failed attempts or a limit).',
  session_not_settled: 'Only a settled session can be refunded.',
  refund_exceeds_amount:
    'The refunds of a session would sum past its amount (or nothing of it is left to refund).',
  webhook_url_not_allowed:
    'The webhook URL is not https, or its host is or resolves to a private, loopback, link-local or other non-public address.',
  handoff_expired: 'The hand-off code expired.',
  handoff_replaced: 'A newer hand-off code replaced this one; the merchant screen shows it.',
  handoff_claimed: 'The hand-off code was already claimed by another phone.',
  binding_mismatch: 'The number chosen does not match the one on the merchant screen.',
  authentication_failed: 'The card approval could not be verified.',
  challenge_expired: 'No usable challenge: request new authentication options.',
  credential_not_allowed:
    'This card may not be used here (for example a test card with a live merchant).',
  enrollment_expired: 'The enrolment code expired or was already used.',
  recovery_code_used: 'This recovery code was already used; each code works once.',
  limit_exceeded: "The payment would exceed the account's monthly limit.",
  account_frozen: 'The account is frozen: it pays nothing until an operator unfreezes it.',
  risk_declined:
    "The issuer's risk policy refused this payment (the reasons are in the audit log, not on the wire).",
  card_revoked:
    'The card was revoked. Used in notices and the audit log; the phone is answered authentication_failed.',
  push_endpoint_not_allowed:
    'The push endpoint is not an https URL on port 443 of a public host (private, loopback and link-local addresses are refused; `--dev-push` also allows http on loopback).',
  push_subscription_not_allowed:
    'Nothing to subscribe through this code now: the enrolment is not complete or the payment did not end with an identified card, its 15-minute window has passed, or the card is revoked or the account frozen.',
  currency_not_supported:
    "The payment's currency has no exchange rate to the account's currency, so it cannot count against the monthly limit.",
  slow_down: 'Polling faster than `interval`; add 5 s (RFC 8628 §3.5).',
  rate_limited: 'Too many requests; retry after `Retry-After` seconds.',
  request_timeout: 'The request (head and body) did not arrive in time; the connection is closed.',
  network_error: 'The issuer or the merchant endpoint could not be reached.',
  invalid_response: 'A server answered with something unexpected.',
  invalid_configuration: 'The element is missing `issuer` or a way to create a session.',
  session_creation_failed: "The merchant's session endpoint failed.",
  nfc_unavailable: 'Web NFC is not available or was not allowed.',
  aborted: 'The operation was aborted (reset, detach or a newer start).',
  internal_error: 'An unexpected fault; nothing was changed.',
  service_unavailable:
    "The issuer's database cannot be reached for a moment; retry after `Retry-After` seconds.",
};
