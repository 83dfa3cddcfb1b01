/**
 * The two reads only the phone pages make: how the claimed payment stands
 * (`GET /v1/handoffs/:code/status`) and whether an enrolment link is still good
 * (`GET /v1/enrollments/:code`). Same-origin GETs with the phone cookie; failures become the same
 * `ApiCallError` as every other call (`src/flow/api-client.ts`).
 */
import { ApiCallError, toCheckoutError } from '../flow/api-client.js';
import {
  isApiErrorBody,
  isErrorCode,
  type EnrollmentStatus,
  type HandoffStatus,
} from '../protocol/index.js';

async function read<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      cache: 'no-store',
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
