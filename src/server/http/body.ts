/**
 * The only body parser: JSON. Rejects what `JSON.parse` would accept but we will not take:
 * nesting deeper than 32 and `__proto__` keys. A parse failure of any kind (including the
 * RangeError of absurd nesting) is `invalid_json`, never a 500.
 */
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

const MAX_DEPTH = 32;

function check(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new HttpError('invalid_request', `JSON nesting deeper than ${MAX_DEPTH}`);
  if (Array.isArray(value)) {
    for (const item of value) check(item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key === '__proto__')
        throw new HttpError('invalid_request', 'The key "__proto__" is not allowed');
      check((value as Record<string, unknown>)[key], depth + 1);
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseJsonBody(
  request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const charset = /charset=([^;]+)/i.exec(String(request.headers['content-type']))?.[1]?.trim();
  if (charset && !/^"?utf-8"?$/i.test(charset)) {
    done(new HttpError('unsupported_media_type', 'JSON bodies must be UTF-8 (RFC 8259 §8.1)'));
    return;
  }
  let text: string;
  try {
    // Strict: invalid UTF-8 would otherwise become U+FFFD and change what the client sent.
    text = typeof body === 'string' ? body : UTF8.decode(body);
  } catch (cause) {
    done(new HttpError('invalid_json', 'The body is not valid UTF-8', { cause }));
    return;
  }
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    done(new HttpError('invalid_json', 'The body is not valid JSON', { cause }));
    return;
  }
  try {
    check(value, 0);
  } catch (error) {
    done(error as Error);
    return;
  }
  done(null, value);
}
