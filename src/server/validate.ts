/**
 * Input validation for the issuer: every body, header and parameter passes through one of these,
 * which throw `HttpError` with a documented code and a message naming the field.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  assertAmount,
  base64urlDecode,
  isSupportedCurrency,
  type CurrencyCode,
  type MerchantMode,
} from '../protocol/index.js';
import { HttpError } from './errors.js';

/** C0 controls and DEL, which never belong in identifiers or display text. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The body as a plain JSON object, or `invalid_request`. */
export function object(value: unknown, what = 'body'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError('invalid_request', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Refuses fields outside `allowed` (catches typos such as `ammount`). */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new HttpError('invalid_request', `Unknown field ${JSON.stringify(key.slice(0, 40))}`);
    }
  }
}

export interface TextRule {
  min?: number;
  max: number;
  /** Allow line breaks and tabs (display text); identifiers never do. */
  multiline?: boolean;
  pattern?: RegExp;
}

/** A well-formed string within the rule, or `invalid_request`. */
export function text(value: unknown, field: string, rule: TextRule): string {
  if (typeof value !== 'string')
    throw new HttpError('invalid_request', `${field} must be a string`);
  const min = rule.min ?? 1;
  if (value.length < min || value.length > rule.max) {
    throw new HttpError('invalid_request', `${field} must be ${min} to ${rule.max} characters`);
  }
  // Lone surrogates would be stored as U+FFFD and change the transaction hash.
  if (!value.isWellFormed())
    throw new HttpError('invalid_request', `${field} is not valid Unicode`);
  if (CONTROL.test(value) || (!rule.multiline && /[\n\r\t]/.test(value))) {
    throw new HttpError('invalid_request', `${field} contains control characters`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw new HttpError('invalid_request', `${field} has an invalid format`);
  }
  return value;
}

export function optionalText(value: unknown, field: string, rule: TextRule): string | undefined {
  return value === undefined ? undefined : text(value, field, rule);
}

/** An amount in minor units, or `invalid_amount`. */
export function amount(value: unknown, field = 'amount'): number {
  try {
    assertAmount(value);
  } catch {
    throw new HttpError(
      'invalid_amount',
      `${field} must be a positive integer in minor units no larger than 2^53 - 1`,
    );
  }
  return value;
}

/** A supported ISO 4217 code, or `unsupported_currency` (`invalid_request` for a non-string). */
export function currency(value: unknown, field = 'currency'): CurrencyCode {
  if (typeof value !== 'string')
    throw new HttpError('invalid_request', `${field} must be a string`);
  if (!isSupportedCurrency(value)) {
    throw new HttpError(
      'unsupported_currency',
      `${field} must be a supported upper-case ISO 4217 code; got ${JSON.stringify(value.slice(0, 8))}`,
    );
  }
  return value;
}

/** A non-negative safe integer, or `invalid_request`. */
export function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HttpError('invalid_request', `${field} must be a non-negative integer`);
  }
  return value;
}

/** `metadata`: up to 20 string values under short keys. */
export function metadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const record = object(value, 'metadata');
  const keys = Object.keys(record);
  if (keys.length > 20) throw new HttpError('invalid_request', 'metadata may have at most 20 keys');
  const out: Record<string, string> = {};
  for (const key of keys) {
    text(key, 'metadata key', { max: 40, pattern: /^[A-Za-z0-9_.-]+$/ });
    out[key] = text(record[key], `metadata.${key}`, { min: 0, max: 500, multiline: true });
  }
  return out;
}

/** A web origin (`https://shop.example`, `http://localhost:4000`) exactly as browsers send it. */
export function origin(value: unknown, field: string): string {
  const candidate = text(value, field, { max: 200 });
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    throw new HttpError(
      'invalid_request',
      `${field} must be an origin such as https://shop.example`,
    );
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== candidate) {
    throw new HttpError(
      'invalid_request',
      `${field} must be an origin such as https://shop.example`,
    );
  }
  return candidate;
}

/** A merchant's `allowedOrigins`: at most 20 origins, duplicates dropped. */
export function origins(value: unknown, field = 'allowedOrigins'): string[] {
  if (!Array.isArray(value) || value.length > 20) {
    throw new HttpError('invalid_request', `${field} must be an array of at most 20 origins`);
  }
  return [...new Set(value.map((o, i) => origin(o, `${field}[${i}]`)))];
}

/** An optional merchant `mode`. */
export function merchantMode(value: unknown): MerchantMode | undefined {
  if (value === undefined) return undefined;
  if (value !== 'test' && value !== 'live') {
    throw new HttpError('invalid_request', 'mode must be "test" or "live"');
  }
  return value;
}

/** Idempotency-Key header: 1–255 visible ASCII characters. */
export function idempotencyKey(value: unknown): string {
  if (value === undefined || value === '') {
    throw new HttpError('idempotency_key_required', 'The Idempotency-Key header is required');
  }
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new HttpError(
      'invalid_request',
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    );
  }
  return value;
}

/** Optional `credentialIds`: at most 10 base64url credential ids the phone remembers. */
export function credentialIds(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10) {
    throw new HttpError('invalid_request', 'credentialIds must be an array of at most 10 ids');
  }
  return value.map((id, i) =>
    text(id, `credentialIds[${i}]`, { max: 1024, pattern: /^[A-Za-z0-9_-]+$/ }),
  );
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A WebAuthn assertion (`response` of confirm), read enough to route it; WebAuthn checks the rest. */
export function assertion(value: unknown): {
  json: AuthenticationResponseJSON;
  challenge: string;
  clientDataJSON: string;
} {
  const json = object(value, 'response');
  const inner = object(json.response, 'response.response');
  text(json.id, 'response.id', { max: 1024, pattern: BASE64URL });
  const clientDataJSON = text(inner.clientDataJSON, 'response.response.clientDataJSON', {
    max: 8192,
    pattern: BASE64URL,
  });
  text(inner.authenticatorData, 'response.response.authenticatorData', {
    max: 8192,
    pattern: BASE64URL,
  });
  text(inner.signature, 'response.response.signature', { max: 1024, pattern: BASE64URL });
  if (inner.userHandle !== undefined && inner.userHandle !== null) {
    text(inner.userHandle, 'response.response.userHandle', { max: 512, pattern: BASE64URL });
  }
  let challenge: unknown;
  try {
    challenge = (
      JSON.parse(new TextDecoder().decode(base64urlDecode(clientDataJSON))) as {
        challenge?: unknown;
      }
    ).challenge;
  } catch {
    throw new HttpError(
      'invalid_request',
      'response.response.clientDataJSON is not valid client data',
    );
  }
  if (typeof challenge !== 'string' || challenge.length > 512) {
    throw new HttpError('invalid_request', 'response.response.clientDataJSON has no challenge');
  }
  return { json: json as unknown as AuthenticationResponseJSON, challenge, clientDataJSON };
}
