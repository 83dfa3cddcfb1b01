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
/**
 * RFC 8176 §2 key methods, the first `amr` entry of a settlement token: `hwk` (proof of possession
 * of a hardware-secured key: a card whose attestation chains to one of the issuer's trusted roots)
 * or `swk` (a software-secured key: a test card).
 */
export const SETTLEMENT_KEY_METHODS = ['hwk', 'swk'] as const;
/** `amr` of a settlement by a trusted card: hardware-secured key, multi-factor, multi-channel. */
export const SETTLEMENT_AMR_HARDWARE = ['hwk', 'mfa', 'mca'] as const;
/** `amr` of a settlement by a test card (test merchants only): software-secured key instead. */
export const SETTLEMENT_AMR_SOFTWARE = ['swk', 'mfa', 'mca'] as const;
/** Default poll interval for `/public`, in seconds. */
export const DEFAULT_POLL_INTERVAL_SEC = 2;
/** RFC 8628 §3.5: a client told `slow_down` adds this to its interval. */
export const SLOW_DOWN_INCREMENT_SEC = 5;
/** SSE reconnection delay announced with `retry:`. */
export const SSE_RETRY_MS = 2000;
/** SSE comment heartbeat period. */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * AAGUID of dualpay's simulated (software) card. For information only: any authenticator can claim
 * any AAGUID, so the issuer decides test or trusted from the attestation chain, never from this.
 */
export const SIMULATED_AAGUID = 'd0a1b2c3-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
