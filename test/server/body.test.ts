/**
 * The JSON body parser (`src/server/http/body.ts`): duplicate keys at any depth, also when equal
 * only after decoding escapes (security review finding 10), `__proto__` keys and the nesting limit,
 * by hand-picked cases and by generated JSON (fast-check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../src/server/errors.js';
import { checkJson, findDuplicateKey, parseJsonBody } from '../../src/server/http/body.js';

/** The error code `checkJson` refuses `text` with, or null when it accepts it. */
function refusal(text: string): string | null {
  const value: unknown = JSON.parse(text); // every case is JSON that JSON.parse accepts
  try {
    checkJson(text, value);
    return null;
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    return error.code;
  }
}

/** What `parseJsonBody` answers for `text` sent as application/json. */
function parse(text: string): { error: HttpError | null; value?: unknown } {
  const request = { headers: { 'content-type': 'application/json' } } as FastifyRequest;
  let answer: { error: HttpError | null; value?: unknown } | undefined;
  parseJsonBody(request, Buffer.from(text), (error, value) => {
    answer = { error: error as HttpError | null, value };
  });
  assert.ok(answer, 'parseJsonBody answers synchronously');
  return answer;
}

const nested = (depth: number, inner = ''): string => '['.repeat(depth) + inner + ']'.repeat(depth);

/** The check before finding 10, on the parsed value: deeper than 32, or a `__proto__` key. */
function oldCheckRefuses(value: unknown, depth = 0): boolean {
  if (depth > 32) return true;
  if (Array.isArray(value)) return value.some((item) => oldCheckRefuses(item, depth + 1));
  if (value !== null && typeof value === 'object')
    return Object.keys(value).some(
      (key) =>
        key === '__proto__' || oldCheckRefuses((value as Record<string, unknown>)[key], depth + 1),
    );
  return false;
}

describe('checkJson: duplicate keys', () => {
  it('refuses the attack of finding 10: a second "amount" after the checked one', () => {
    const attack =
      '{"amount":1,"currency":"KRW","orderId":"order-1","description":"Coffee","amount":999999}';

    assert.equal(refusal(attack), 'invalid_request');
    assert.equal(parse(attack).error?.code, 'invalid_request');
  });

  for (const [label, text] of [
    ['adjacent duplicates', '{"a":1,"a":1}'],
    ['a duplicate next to a colon in a string', '{"a":"12:30","a":1}'],
    ['a duplicate next to an escaped colon', '{"amount":1,"amount":999999,"x":"\\u003a"}'],
    ['a duplicate in a dropped value', '{"a":{"b":1,"b":2},"a":{"c":1}}'],
    ['a duplicate with another value type', '{"a":{"b":1},"c":2,"a":null}'],
    ['a duplicate inside metadata', '{"amount":1,"metadata":{"cart":"1","note":"x","cart":"2"}}'],
    ['a duplicate in an object inside an array', '{"list":[1,{"k":1,"k":2}]}'],
    ['a duplicate 30 levels deep', `{"x":${nested(29, '{"k":1,"k":2}')}}`],
    ['a duplicate empty key', '{"":1,"":2}'],
    ['"amount" and "\\u0061mount"', '{"amount":1,"\\u0061mount":999999}'],
    ['"\\u0061mount" and "amount"', '{"\\u0061mount":1,"amount":999999}'],
    ['two spellings that both escape', '{"\\u0061mount":1,"\\u0061\\u006Dount":2}'],
    ['upper- and lower-case hex escapes', '{"\\u00e9":1,"\\u00E9":2}'],
    ['an escaped and a literal non-ASCII key', '{"é":1,"\\u00e9":2}'],
    ['an escaped surrogate pair and the literal emoji', '{"\\ud83d\\ude00":1,"😀":2}'],
    ['"\\/" and "/"', '{"/":1,"\\/":2}'],
    ['an escaped quote two ways', '{"a\\"b":1,"a\\u0022b":2}'],
    ['an escaped backslash two ways', '{"a\\\\":1,"a\\u005c":2}'],
    ['a duplicate after a value with escapes', '{"k":"v\\\\","k2":"\\"","k":1}'],
    ['duplicates with white space around', '{ "a" : 1 ,\n\t"a"\r\n: 2 }'],
    ['a duplicate lone-surrogate key', '{"\\ud800":1,"\\uD800":2}'],
  ] as const) {
    it(`refuses ${label}`, () => {
      assert.equal(refusal(text), 'invalid_request');
    });
  }

  for (const [label, text] of [
    ['one key in sibling objects', '[{"a":1},{"a":1}]'],
    ['one key in a parent and a child object', '{"a":{"a":{"a":1}}}'],
    ['a key equal to a string value', '{"a":"a","b":["a","b"]}'],
    ['keys that differ after decoding', '{"a\\\\":1,"a\\\\\\\\":2,"a\\"":3}'],
    ['keys that differ only in Unicode normalization', '{"é":1,"e\\u0301":2}'],
    ['keys that differ only in case', '{"amount":1,"Amount":2}'],
    ['string values with quotes, colons and braces', '{"a":"\\"}{,:","b":"x\\\\","c":"]["}'],
    ['an empty object and an empty array', '{"a":{},"b":[],"c":[{}]}'],
    ['a scalar root', '"just a \\"string\\""'],
    ['colons in strings', '{"url":"https://shop.example","t":"12:30","k:":"::"}'],
  ] as const) {
    it(`accepts ${label}`, () => {
      assert.equal(refusal(text), null);
    });
  }

  it('names the repeated key as JSON.parse decodes it (findDuplicateKey)', () => {
    assert.equal(findDuplicateKey('{"x":{"\\u0061mount":1,"amount":2}}'), 'amount');
    assert.equal(findDuplicateKey('{"x":{"a":1},"y":{"a":2}}'), null);
  });

  it('handles objects of many keys in linear time (the key lists become Sets)', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `"k${String(i).padStart(5, '0')}":0`);
    const distinct = `{${keys.join(',')}}`;
    const duplicate = `{${keys.join(',')},"k04321":1}`;
    const escapes = `{"a":"${'\\n'.repeat(30_000)}","a":1}`;

    const started = performance.now();
    const found = [distinct, duplicate, escapes].map(findDuplicateKey);
    const elapsed = performance.now() - started;

    assert.deepEqual(found, [null, 'k04321', 'a']);
    // A quadratic scan of these bodies takes seconds.
    assert.ok(elapsed < 500, `${elapsed.toFixed(0)} ms`);
  });
});

describe('checkJson: the checks it keeps', () => {
  for (const text of [
    '{"__proto__":{"polluted":true}}',
    '{"a":[{"__proto__":1}]}',
    '{"\\u005f_proto__":1}',
    '{"__proto\\u005f_":1}',
  ]) {
    it(`refuses the __proto__ key in ${text}`, () => {
      assert.equal(refusal(text), 'invalid_request');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  it('accepts "__proto__" as a value and "__proto_" as a key', () => {
    assert.equal(refusal('{"a":"__proto__","__proto_":1}'), null);
  });

  it('allows values 32 containers deep and refuses 33, containers and scalars alike', () => {
    // The root is at depth 0, so `nested(33)` puts an empty array at depth 32.
    assert.equal(refusal(nested(33)), null);
    assert.equal(refusal(nested(32, '1')), null);
    assert.equal(refusal(`{"a":${nested(32)}}`), null);
    assert.equal(refusal(nested(34)), 'invalid_request');
    assert.equal(refusal(nested(33, '1')), 'invalid_request');
    assert.equal(refusal(nested(33, '"x"')), 'invalid_request');
    assert.equal(refusal(nested(33, 'true')), 'invalid_request');
    assert.equal(refusal(nested(33, '-0.5e3')), 'invalid_request');
    assert.equal(refusal(`{"a":${nested(32, '{}')}}`), 'invalid_request');
    assert.equal(refusal(nested(20_000)), 'invalid_request');
  });

  it('refuses what the old check on the parsed value refused, and nothing more, without duplicates', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 40 }), fc.nat(40), (value, wrap) => {
        // JSON.stringify of a parsed value never repeats a key.
        const text = nested(wrap, JSON.stringify(value));
        const expected = oldCheckRefuses(JSON.parse(text)) ? 'invalid_request' : null;

        assert.equal(refusal(text), expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseJsonBody', () => {
  it('answers a body with a duplicate key with invalid_request, not the parsed value', () => {
    const answer = parse('{"amount":1,"amount":999999}');

    assert.equal(answer.error?.code, 'invalid_request');
    assert.equal(answer.value, undefined);
  });

  it('still answers invalid JSON with invalid_json and invalid UTF-8 with invalid_json', () => {
    assert.equal(parse('{"a":1,"a":').error?.code, 'invalid_json');
    const request = { headers: { 'content-type': 'application/json' } } as FastifyRequest;
    let code: string | undefined;
    parseJsonBody(request, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), (error) => {
      code = (error as HttpError | null)?.code;
    });
    assert.equal(code, 'invalid_json');
  });

  it('passes a body without duplicates through unchanged', () => {
    const body = { amount: 1500, currency: 'KRW', metadata: { a: '1', b: '2' } };

    const answer = parse(JSON.stringify(body));

    assert.equal(answer.error, null);
    assert.deepEqual(answer.value, body);
  });
});

// ── generated JSON ──

/** JSON text of `value`, written by hand: keys optionally escaped, white space optional. */
interface Writer {
  /** Which characters of keys to write as `\uXXXX` (cycled). */
  escapes: boolean[];
  space: string;
  /** Called for each object with its keys; returns an extra member to append, if any. */
  extra?: (keys: string[]) => string | undefined;
}

function escapeKey(key: string, escapes: boolean[], offset: number): string {
  let out = '"';
  let i = 0;
  for (const unit of Array.from({ length: key.length }, (_, k) => key.charCodeAt(k))) {
    const escape = escapes.length > 0 && escapes[(offset + i++) % escapes.length];
    out += escape
      ? `\\u${unit.toString(16).padStart(4, '0')}`
      : JSON.stringify(String.fromCharCode(unit)).slice(1, -1);
  }
  return `${out}"`;
}

function write(value: unknown, writer: Writer): string {
  const s = writer.space;
  if (Array.isArray(value)) return `[${value.map((item) => write(item, writer)).join(`,${s}`)}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    const members = keys.map(
      (key, i) => `${escapeKey(key, writer.escapes, i)}${s}:${s}${write(record[key], writer)}`,
    );
    const extra = writer.extra?.(keys);
    if (extra !== undefined) members.push(extra);
    return `{${s}${members.join(`,${s}`)}${s}}`;
  }
  return JSON.stringify(value);
}

const hasProtoKey = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  (Object.hasOwn(value, '__proto__') || Object.values(value).some(hasProtoKey));

const keyText = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('amount', 'a"b', 'a\\b', '/', '', 'a:b'),
);
/** JSON values whose objects have keys from `keyText` (quotes, backslashes, any code unit). */
const jsonWithKeys: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    fc.constantFrom('https://shop.example', '12:30', '\\":{'),
    fc.constantFrom(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keyText, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('checkJson on generated JSON (fast-check)', () => {
  it('never refuses JSON without duplicate keys, however its keys are escaped', () => {
    fc.assert(
      fc.property(
        jsonWithKeys,
        fc.array(fc.boolean(), { maxLength: 5 }),
        fc.constantFrom('', ' ', '\n  '),
        (value, escapes, space) => {
          fc.pre(!hasProtoKey(value));
          const text = write(value, { escapes, space });

          assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
          assert.equal(refusal(text), null);
          assert.equal(refusal(JSON.stringify(value)), null);
          // The scan alone too (checkJson skips it when no `:` sits inside a string).
          assert.equal(findDuplicateKey(text), null);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('always refuses JSON with one duplicate key injected into any object, escaped or not', () => {
    fc.assert(
      fc.property(
        jsonWithKeys,
        keyText,
        fc.nat(),
        fc.nat(),
        fc.array(fc.boolean(), { maxLength: 5 }),
        fc.jsonValue({ maxDepth: 2 }),
        (value, fallbackKey, target, pick, escapes, duplicateValue) => {
          fc.pre(!hasProtoKey(value) && fallbackKey !== '__proto__');
          // Count the objects that have a key, then give the target-th one a second copy of one.
          let objects = 0;
          write(value, {
            escapes: [],
            space: '',
            extra: (keys) => void (objects += +!!keys.length),
          });
          let seen = 0;
          const text =
            objects === 0
              ? write(
                  { [fallbackKey]: value },
                  {
                    escapes: [],
                    space: '',
                    extra: (keys) => `${escapeKey(keys[0] ?? '', escapes, 1)}:null`,
                  },
                )
              : write(value, {
                  escapes: [],
                  space: '',
                  extra: (keys) => {
                    if (keys.length === 0 || seen++ !== target % objects) return undefined;
                    const key = keys[pick % keys.length] ?? '';
                    return `${escapeKey(key, escapes, 0)}:${JSON.stringify(duplicateValue)}`;
                  },
                });

          assert.equal(refusal(text), 'invalid_request', text);
          assert.notEqual(findDuplicateKey(text), null, text);
        },
      ),
      { numRuns: 500 },
    );
  });
});
