/**
 * Calls only the phone pages make: how the claimed payment stands
 * (`GET /v1/handoffs/:code/status`), whether an enrolment link is still good
 * (`GET /v1/enrollments/:code`), and recovery (`/v1/recovery/…`). Same-origin calls with the phone
 * cookie; failures become the same `ApiCallError` as every other call (`src/flow/api-client.ts`).
 */
import { ApiCallError, toCheckoutError } from '../flow/api-client.js';
import {
  isApiErrorBody,
  isErrorCode,
  type CreateEnrollmentResponse,
  type EnrollmentStatus,
  type FreezeResponse,
  type HandoffStatus,
  type RecoveryEnrollmentResponse,
} from '../protocol/index.js';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

/** A same-origin GET, or a POST of `body` as JSON. */
async function read<T>(path: string, signal?: AbortSignal, payload?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      cache: 'no-store',
      ...(payload !== undefined
        ? {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(payload),
          }
        : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw toCheckoutError(error);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok && body !== undefined) return body as T;
  const retryAfter = Number(response.headers.get('retry-after'));
  const details = {
    status: response.status,
    retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  };
  if (isApiErrorBody(body) && isErrorCode(body.error.code)) {
    throw new ApiCallError(body.error.code, body.error.message, details);
  }
  throw new ApiCallError('invalid_response', `HTTP ${response.status}`, details);
}

/** `GET /v1/handoffs/:code/status`: `claimed` while the payment waits, else how it ended. */
export function getHandoffStatus(code: string, signal?: AbortSignal): Promise<HandoffStatus> {
  return read<HandoffStatus>(`/v1/handoffs/${encodeURIComponent(code)}/status`, signal);
}

/** `GET /v1/enrollments/:code`: `live`, `used` or `expired`. */
export function getEnrollmentStatus(code: string, signal?: AbortSignal): Promise<EnrollmentStatus> {
  return read<EnrollmentStatus>(`/v1/enrollments/${encodeURIComponent(code)}`, signal);
}

/** `POST /v1/recovery/freeze`: spends the recovery code to freeze its account at once. */
export function freezeAccount(recoveryCode: string, signal?: AbortSignal): Promise<FreezeResponse> {
  return read<FreezeResponse>('/v1/recovery/freeze', signal, { recoveryCode });
}

/** `POST /v1/recovery/enrollments`: spends the code on a recovery enrolment (cooling-off). */
export function createRecoveryEnrollment(
  recoveryCode: string,
  signal?: AbortSignal,
): Promise<RecoveryEnrollmentResponse> {
  return read<RecoveryEnrollmentResponse>('/v1/recovery/enrollments', signal, { recoveryCode });
}

/** `POST /v1/recovery/device-options`: a challenge for a card to approve a second device. */
export function getDeviceOptions(
  signal?: AbortSignal,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return read<PublicKeyCredentialRequestOptionsJSON>('/v1/recovery/device-options', signal, {});
}

/** `POST /v1/recovery/device-enrollments`: the card's assertion → an enrolment link. */
export function createDeviceEnrollment(
  response: AuthenticationResponseJSON,
  signal?: AbortSignal,
): Promise<CreateEnrollmentResponse> {
  return read<CreateEnrollmentResponse>('/v1/recovery/device-enrollments', signal, { response });
}
