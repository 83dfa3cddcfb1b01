/**
 * The only body parser: JSON. Refuses what `JSON.parse` would accept but we will not take:
 * nesting deeper than 32, `__proto__` keys and duplicate keys (`checkJson`). A parse failure of
 * any kind (including the RangeError of absurd nesting) is `invalid_json`, never a 500.
 */
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

const MAX_DEPTH = 32;

/**
 * The key count of a parsed body, refusing (`invalid_request`) a value inside more than 32 arrays
 * and objects (the root is at depth 0) and any `__proto__` key (a prototype-pollution gadget for
 * whoever copies the body later; `JSON.parse` makes it an own key, and decodes escaped spellings).
 */
function checkValue(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH)
    throw new HttpError('invalid_request', `JSON nesting deeper than ${MAX_DEPTH}`);
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) keys += checkValue(item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    const own = Object.keys(value);
    keys = own.length;
    for (const key of own) {
      if (key === '__proto__')
        throw new HttpError('invalid_request', 'The key "__proto__" is not allowed');
      keys += checkValue((value as Record<string, unknown>)[key], depth + 1);
    }
  }
  return keys;
}

/** How many `:` the text has, inside strings or not. */
function countColons(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) count++;
  return count;
}

/**
 * Refuses what `JSON.parse` accepted in `text` (giving `value`) but we will not take, with
 * `invalid_request`: the nesting and `__proto__` of `checkValue`, and a duplicate key in any
 * object at any depth. RFC 8259 §4 leaves duplicate names to the implementation and
 * `JSON.parse` keeps the last one, so `{"amount":1,…,"amount":999999}` would be checked by one
 * reader and paid by another (security review finding 10).
 *
 * Most bodies are cleared without scanning for duplicates: every key of the text is followed by
 * one `:` outside strings, so the text's `:` count ≥ its keys ≥ the keys of the parsed value, and
 * its keys equal the parsed keys exactly when no object repeats a key (a repeat collapses into one
 * property, and drops whatever objects the overwritten value held). Equal counts therefore prove
 * there is no duplicate; otherwise (a `:` inside a string, or a duplicate) `findDuplicateKey`
 * decides. Cost on a typical 180-byte checkout body (`bench/json-body.ts`): the count adds about
 * an eighth of `JSON.parse` to the nesting and `__proto__` check; the scan, when it runs, about as
 * much as `JSON.parse` again.
 */
export function checkJson(text: string, value: unknown): void {
  const keys = checkValue(value, 0);
  if (countColons(text) === keys) return;
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) {
    throw new HttpError(
      'invalid_request',
      `The key ${JSON.stringify(duplicate.slice(0, 40))} appears more than once in one object`,
    );
  }
}

const QUOTE = 0x22; // "
const COMMA = 0x2c; // ,
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

/**
 * The first key that an object of `text` (JSON that `JSON.parse` accepted, so nothing needs
 * validating) has twice, or null. One left-to-right pass: string contents are skipped with
 * `indexOf`; a key is compared as written, or, when it has a backslash, as `JSON.parse` of its
 * string token decodes it, so `"amount"` and `"\u0061mount"` are one key, exactly as for
 * `JSON.parse`.
 */
export function findDuplicateKey(text: string): string | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: (Keys | null)[] = [];
  let expectKey = false;
  // The next backslash at or after the scan position (-1: none left); kept so that finding the
  // escapes of every string stays linear in the length of the text.
  let nextBackslash = text.indexOf('\\');
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote: the first `"` not consumed by an escape.
      let end = text.indexOf('"', i + 1);
      let escaped = false;
      while (nextBackslash !== -1 && nextBackslash < end) {
        escaped = true;
        const after = nextBackslash + 2; // the escape and the character it escapes
        if (end < after) end = text.indexOf('"', after);
        nextBackslash = text.indexOf('\\', after);
      }
      if (expectKey) {
        const key = escaped
          ? (JSON.parse(text.slice(i, end + 1)) as string)
          : text.slice(i + 1, end);
        const top = open.length - 1;
        const keys = open[top] ?? null;
        if (keys !== null && hasKey(keys, key)) return key;
        open[top] = addKey(keys, key);
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      open.push(c === OPEN_BRACE ? [] : null);
      expectKey = c === OPEN_BRACE;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] !== null;
    }
  }
  return null;
}

/**
 * The keys seen so far in one open object: a list while short (a request's objects have a handful
 * of keys, and a list is cheaper to make and search than a Set), a Set once it is long, so that an
 * object of thousands of distinct keys still costs linear time.
 */
type Keys = string[] | Set<string>;
const LIST_MAX = 16;

function hasKey(keys: Keys, key: string): boolean {
  return Array.isArray(keys) ? keys.includes(key) : keys.has(key);
}

function addKey(keys: Keys | null, key: string): Keys | null {
  if (keys === null) return null;
  if (!Array.isArray(keys)) return keys.add(key);
  if (keys.length < LIST_MAX) {
    keys.push(key);
    return keys;
  }
  return new Set(keys).add(key);
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
    checkJson(text, value);
  } catch (error) {
    done(error as Error);
    return;
  }
  done(null, value);
}
