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

export function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
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
