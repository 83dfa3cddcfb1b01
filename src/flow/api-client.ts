/**
 * Browser client of the issuer API: one function per endpoint, named as on the server
 * (`createHandoff` here, `Issuer.createHandoff` there). Every failure becomes a `CheckoutError`
 * in one place (`toCheckoutError`), keeping the original as `cause`.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import {
  CheckoutError,
  isApiErrorBody,
  isErrorCode,
  type ClaimResponse,
  type ConfirmResponse,
  type DeclineResponse,
  type ErrorCode,
  type Handoff,
  type PaymentNotice,
  type PublicSession,
  type PushSubscriptionJson,
  type PushSubscriptionResponse,
  type SessionCredentials,
  type VapidPublicKeyResponse,
  type VerifyEnrollmentResponse,
} from '../protocol/index.js';

/** A failed call: the protocol code plus what the HTTP answer said about retrying. */
export class ApiCallError extends CheckoutError {
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  /** `Retry-After` in seconds, when the issuer sent one. */
  readonly retryAfterSec: number | null;

  constructor(
    code: ErrorCode,
    message: string | undefined,
    details: { status?: number; retryAfterSec?: number | null; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status ?? 0;
    this.retryAfterSec = details.retryAfterSec ?? null;
  }
}

/** What a call returns: the body and the server's clock at answer time (for skew). */
export interface ApiResult<T> {
  body: T;
  /** Server time from the `Date` header (epoch ms), or null. */
  serverDate: number | null;
}

export interface CallOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The one mapping point from raw failures to `CheckoutError`. */
export function toCheckoutError(error: unknown): CheckoutError {
  if (error instanceof CheckoutError) return error;
  if (
    error instanceof DOMException &&
    (error.name === 'AbortError' || error.name === 'TimeoutError')
  ) {
    return new ApiCallError('aborted', 'The request was aborted.', { cause: error });
  }
  if (error instanceof TypeError) {
    return new ApiCallError('network_error', 'The payment service could not be reached.', {
      cause: error,
    });
  }
  return new ApiCallError('invalid_response', 'Unexpected answer from the payment service.', {
    cause: error,
  });
}

async function call<T>(
  url: string,
  init: RequestInit,
  options: CallOptions,
): Promise<ApiResult<T>> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      ...init,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw toCheckoutError(error);
  }
  const dateHeader = response.headers.get('date');
  const serverDate = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  let body: unknown;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : undefined;
  } catch (error) {
    throw response.ok
      ? new ApiCallError('invalid_response', 'The answer was not JSON.', {
          status: response.status,
          cause: error,
        })
      : toCheckoutError(error);
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    const details = {
      status: response.status,
      retryAfterSec: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    };
    if (isApiErrorBody(body) && isErrorCode(body.error.code)) {
      throw new ApiCallError(body.error.code, body.error.message, details);
    }
    throw new ApiCallError('invalid_response', `HTTP ${response.status}`, details);
  }
  return { body: body as T, serverDate: Number.isNaN(serverDate) ? null : serverDate };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body ?? {}),
});

const pageAuth = (session: SessionCredentials): Record<string, string> => ({
  authorization: `Bearer ${session.clientSecret}`,
});

const sessionPath = (issuer: string, session: SessionCredentials, action: string): string =>
  `${issuer.replace(/\/$/, '')}/v1/checkout-sessions/${encodeURIComponent(session.id)}/${action}`;

// ── the merchant page ──

/**
 * Asks the merchant's own endpoint (`session-url`) for a checkout session. Any failure there is
 * `session_creation_failed`, with the merchant's answer as `cause`.
 */
export async function createSessionAtMerchant(
  sessionUrl: string,
  options: CallOptions = {},
): Promise<SessionCredentials> {
  try {
    const { body } = await call<unknown>(
      sessionUrl,
      { ...json({}), credentials: 'same-origin' },
      options,
    );
    const candidate = body as Partial<SessionCredentials> | undefined;
    if (typeof candidate?.id !== 'string' || typeof candidate.clientSecret !== 'string') {
      throw new ApiCallError(
        'invalid_response',
        'The session endpoint must return {id, clientSecret}.',
      );
    }
    return { id: candidate.id, clientSecret: candidate.clientSecret };
  } catch (error) {
    const mapped = toCheckoutError(error);
    if (mapped.code === 'aborted') throw mapped;
    throw new ApiCallError('session_creation_failed', 'The shop could not start the payment.', {
      cause: mapped,
    });
  }
}

/** `GET /v1/checkout-sessions/:id/public` — the poll endpoint. */
export function getPublicSession(
  issuer: string,
  session: SessionCredentials,
  options: CallOptions = {},
) {
  return call<PublicSession>(
    sessionPath(issuer, session, 'public'),
    { headers: pageAuth(session) },
    options,
  );
}

/** `POST /v1/checkout-sessions/:id/handoffs` — a fresh code for the QR, link or NFC. */
export function createHandoff(
  issuer: string,
  session: SessionCredentials,
  options: CallOptions = {},
) {
  return call<Handoff>(
    sessionPath(issuer, session, 'handoffs'),
    { method: 'POST', headers: pageAuth(session) },
    options,
  );
}

/** `POST /v1/checkout-sessions/:id/cancel` with the client secret. */
export function cancelCheckoutSession(
  issuer: string,
  session: SessionCredentials,
  options: CallOptions = {},
) {
  return call<{ id: string; status: string }>(
    sessionPath(issuer, session, 'cancel'),
    { method: 'POST', headers: pageAuth(session) },
    options,
  );
}

/** URL of `GET /v1/checkout-sessions/:id/events`. */
export function eventsUrl(issuer: string, session: SessionCredentials): string {
  return sessionPath(issuer, session, 'events');
}

// ── the phone pages (same origin as the issuer; the phone cookie rides along) ──

const phonePath = (code: string, action: string) =>
  `/v1/handoffs/${encodeURIComponent(code)}/${action}`;
const enrollmentPath = (code: string, action: string) =>
  `/v1/enrollments/${encodeURIComponent(code)}/${action}`;
const samePost = (body?: unknown): RequestInit => ({ ...json(body), credentials: 'same-origin' });

/** `POST /v1/handoffs/:code/claim` — binds this phone; `code` may be a typed user code. */
export function claimHandoff(code: string, options: CallOptions = {}) {
  return call<ClaimResponse & { code: string }>(phonePath(code, 'claim'), samePost(), options);
}

/**
 * `POST /v1/handoffs/:code/authentication-options` with the number the payer tapped, and the ids of
 * cards enrolled from this phone (for cards without discoverable credentials).
 */
export function getAuthenticationOptions(
  code: string,
  bindingCode: string,
  credentialIds: readonly string[] = [],
  options: CallOptions = {},
) {
  return call<PublicKeyCredentialRequestOptionsJSON>(
    phonePath(code, 'authentication-options'),
    samePost(credentialIds.length > 0 ? { bindingCode, credentialIds } : { bindingCode }),
    options,
  );
}

/** `POST /v1/handoffs/:code/confirm` with the WebAuthn assertion. */
export function confirmHandoff(
  code: string,
  response: AuthenticationResponseJSON,
  options: CallOptions = {},
) {
  return call<ConfirmResponse>(phonePath(code, 'confirm'), samePost({ response }), options);
}

/** `POST /v1/handoffs/:code/decline`. */
export function declineHandoff(code: string, options: CallOptions = {}) {
  return call<DeclineResponse>(phonePath(code, 'decline'), samePost(), options);
}

/** `POST /v1/enrollments/:code/registration-options`. */
export function getRegistrationOptions(code: string, options: CallOptions = {}) {
  return call<PublicKeyCredentialCreationOptionsJSON>(
    enrollmentPath(code, 'registration-options'),
    samePost(),
    options,
  );
}

/** `POST /v1/enrollments/:code/verify` with the attestation and the card's name. */
export function verifyEnrollment(
  code: string,
  response: RegistrationResponseJSON,
  name: string | undefined,
  options: CallOptions = {},
) {
  return call<VerifyEnrollmentResponse>(
    enrollmentPath(code, 'verify'),
    samePost(name ? { response, name } : { response }),
    options,
  );
}

// ── Web Push (the phone pages, same origin as the issuer) ──

/** `GET /v1/push/vapid-public-key` — the key `pushManager.subscribe` takes. */
export function getVapidPublicKey(options: CallOptions = {}) {
  return call<VapidPublicKeyResponse>(
    '/v1/push/vapid-public-key',
    { credentials: 'same-origin' },
    options,
  );
}

/**
 * `POST /v1/enrollments/:code/push-subscription` (after enrolment) or
 * `POST /v1/handoffs/:code/push-subscription` (after a payment, with the phone cookie).
 */
export function postPushSubscription(
  kind: 'enrollment' | 'handoff',
  code: string,
  subscription: PushSubscriptionJson,
  options: CallOptions = {},
) {
  const path =
    kind === 'enrollment'
      ? enrollmentPath(code, 'push-subscription')
      : phonePath(code, 'push-subscription');
  return call<PushSubscriptionResponse>(path, samePost({ subscription }), options);
}

/** `GET /v1/payment-notices/:sessionId` — what the page a notification opens shows. */
export function getPaymentNotice(sessionId: string, options: CallOptions = {}) {
  return call<PaymentNotice>(
    `/v1/payment-notices/${encodeURIComponent(sessionId)}`,
    { credentials: 'same-origin' },
    options,
  );
}
