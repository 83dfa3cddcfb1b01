/** Protocol constants shared by every side (docs/protocol.md "Constants"). Units are in the names. */

/** A checkout session expires this long after creation unless settled. */
export const SESSION_TTL_MS = 10 * 60_000;
/** Each hand-off code lives this long; the element rotates it before then. */
export const HANDOFF_TTL_MS = 60_000;
/** An enrolment code lives this long and is single use. */
export const ENROLLMENT_TTL_MS = 15 * 60_000;
/** This many failed approvals move a session to `failed`. */
export const MAX_FAILED_ATTEMPTS = 5;
/** Settlement tokens expire this long after `iat`. */
export const SETTLEMENT_TOKEN_TTL_SEC = 900;
/** JWS `typ` of a settlement token. */
export const SETTLEMENT_TOKEN_TYP = 'dualpay-settlement+jwt';
/** RFC 8176 authentication methods of every settlement: hardware key, multi-factor, multi-channel. */
export const SETTLEMENT_AMR = ['hwk', 'mfa', 'mca'] as const;
/** Default poll interval for `/public`, in seconds. */
export const DEFAULT_POLL_INTERVAL_SEC = 2;
/** RFC 8628 §3.5: a client told `slow_down` adds this to its interval. */
export const SLOW_DOWN_INCREMENT_SEC = 5;
/** SSE reconnection delay announced with `retry:`. */
export const SSE_RETRY_MS = 2000;
/** SSE comment heartbeat period. */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * AAGUID of dualpay's simulated (software) card. The issuer marks credentials carrying it as test
 * credentials and refuses them for live merchants.
 */
export const SIMULATED_AAGUID = 'd0a1b2c3-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
