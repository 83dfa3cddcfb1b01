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

/**
 * Characters that never belong in display text or identifiers (security review finding 11): text
 * that reads differently from its bytes, or that two people read the same while the bytes differ.
 *
 * - controls (`Cc`): C0, DEL and C1 (U+0080–U+009F, including U+0085 NEL). Multi-line text may
 *   use exactly three of them, `\t`, `\n` and `\r`; nothing else breaks a line;
 * - format characters (`Cf`): the bidirectional controls that reorder what follows (U+061C,
 *   U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, the deprecated U+206A–U+206F), the zero-width
 *   characters (U+200B–U+200D, U+2060–U+2064, U+FEFF), U+180E, the soft hyphen U+00AD, the tag
 *   characters U+E0001–U+E007F (invisible ASCII), and the rest of `Cf` (interlinear annotation,
 *   Arabic number signs…): none has a place in a shop name or an order;
 * - the line and paragraph separators U+2028 and U+2029 (`Zl`, `Zp`);
 * - the other default-ignorable code points (Unicode `Default_Ignorable_Code_Point`: renderers
 *   show nothing for them), such as U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0,
 *   U+17B4, U+17B5; **except** the variation selectors (U+180B–U+180D, U+180F, U+FE00–U+FE0F,
 *   U+E0100–U+E01EF), which pick the form of the character before them (the emoji form of
 *   U+2764, CJK variants in names); one that follows no character, or another selector, is
 *   refused.
 *
 * The price: emoji joined with U+200D ZWJ, the Persian ZWNJ (U+200C) and the subdivision flags
 * (tag characters) are refused; the merchant writes the text without them. The Unicode properties
 * are those of Node's ICU.
 */
const FORBIDDEN =
  /(?![\t\n\r\p{Variation_Selector}])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
/** A variation selector with no character of its own before it: a run of them hides data. */
const STRAY_VARIATION_SELECTOR = /(?:^|\p{Variation_Selector})\p{Variation_Selector}/u;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

/** The last code point of `match` as `U+202E`: messages name a character without printing it. */
function codePoint(match: string): string {
  const last = [...match].at(-1) ?? '';
  return `U+${(last.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

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
  /** Allow `\n`, `\r` and `\t` (display text); identifiers never do. Nothing else breaks a line. */
  multiline?: boolean;
  pattern?: RegExp;
}

/**
 * A well-formed string within the rule, free of `FORBIDDEN` characters, or `invalid_request` with
 * a message naming the field and the character.
 */
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
  const bad =
    FORBIDDEN.exec(value) ??
    STRAY_VARIATION_SELECTOR.exec(value) ??
    (rule.multiline ? null : LINE_BREAK_OR_TAB.exec(value));
  if (bad) {
    const not = rule.multiline ? '' : ', nor line breaks or tabs';
    throw new HttpError(
      'invalid_request',
      `${field} contains ${codePoint(bad[0])}: control, invisible and bidirectional formatting characters are not allowed${not}`,
    );
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

/** A JSON boolean, or `invalid_request`. */
export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean')
    throw new HttpError('invalid_request', `${field} must be true or false`);
  return value;
}

/**
 * An optional integer from a query string (`?limit=20`): digits only, within `min`…`max`, or
 * `invalid_request`. Absent or empty: undefined.
 */
export function queryInteger(
  value: unknown,
  field: string,
  range: { min: number; max: number },
): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) {
    throw new HttpError('invalid_request', `${field} must be a whole number`);
  }
  const number = Number(value);
  if (number < range.min || number > range.max) {
    throw new HttpError('invalid_request', `${field} must be ${range.min} to ${range.max}`);
  }
  return number;
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
