/**
 * `text` (src/server/validate.ts), the rule every display text and identifier the issuer takes
 * passes through: the characters it refuses (security review finding 11) and the ones it keeps.
 * test/hardening/input-tricks.test.ts sends the same characters through every endpoint.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpError } from '../../src/server/errors.js';
import { metadata, text, type TextRule } from '../../src/server/validate.js';
import { FORBIDDEN_CLASSES } from '../hardening/support/unicode-tricks.js';

const SINGLE_LINE: TextRule = { max: 500 };
const MULTILINE: TextRule = { min: 0, max: 500, multiline: true };

/** The code `text` refuses `value` with under `rule`, or null when it accepts it. */
function refusal(value: string, rule: TextRule = SINGLE_LINE): string | null {
  try {
    text(value, 'field', rule);
    return null;
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    return error.code;
  }
}

const hex = (char: string): string => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}`;

describe('text: forbidden characters', () => {
  for (const [name, chars] of Object.entries(FORBIDDEN_CLASSES)) {
    it(`refuses ${name} anywhere, in single-line and multi-line text`, () => {
      const refused = chars.flatMap((char) =>
        [`${char}Shop`, `Sh${char}op`, `Shop${char}`].flatMap((value) => [
          refusal(value, SINGLE_LINE),
          refusal(value, MULTILINE),
        ]),
      );

      assert.deepEqual(
        refused.filter((code) => code !== 'invalid_request'),
        [],
      );
    });
  }

  it('refuses line breaks and tabs in single-line text only', () => {
    for (const char of ['\n', '\r', '\t', '\r\n']) {
      assert.equal(refusal(`a${char}b`, SINGLE_LINE), 'invalid_request', JSON.stringify(char));
      assert.equal(refusal(`a${char}b`, MULTILINE), null, JSON.stringify(char));
    }
  });

  it('refuses a variation selector that follows no character, or another selector', () => {
    for (const value of [
      '\ufe0fShop',
      'Shop\u2764\ufe0f\ufe0f',
      'a\ufe00\ufe01',
      '\u845b\u{e0100}\u{e0101}',
      'x\u{e0100}\u{e0100}\u{e0100}',
    ]) {
      assert.equal(refusal(value), 'invalid_request', value);
    }
  });

  it('names the field and the character in its message', () => {
    assert.throws(
      () => text('Shop\u202eevil', 'displayName', SINGLE_LINE),
      (error: HttpError) =>
        error.code === 'invalid_request' &&
        error.message.includes('displayName') &&
        error.message.includes('U+202E'),
    );
  });

  it('refuses forbidden characters in metadata keys and values', () => {
    for (const char of Object.values(FORBIDDEN_CLASSES).flat()) {
      assert.throws(() => metadata({ [`k${char}`]: 'v' }), HttpError, hex(char));
      assert.throws(() => metadata({ k: `v${char}` }), HttpError, hex(char));
    }
  });
});

describe('text: what it keeps', () => {
  for (const value of [
    'Corner Café',
    'Cafe\u0301 (combining accent)',
    '한국 커피',
    'コーヒー店',
    'مقهى الزاوية',
    'בית קפה',
    'Кафе',
    'Ｆｕｌｌｗｉｄｔｈ',
    'no\u00a0break and ideographic\u3000space',
    'Coffee \u2615 and \u2764\ufe0f',
    'text style \u2764\ufe0e',
    'CJK variant \u845b\u{e0100}',
    'Mongolian \u1821\u180b',
    'Flags \u{1f1f0}\u{1f1f7}',
    '\u{1f600} outside the BMP',
    'O\'Brien & Sons <shop> "quoted" 100% / \\ {ok}',
  ]) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(refusal(value), null);
    });
  }

  it('accepts generated text of letters, marks, digits, punctuation, symbols and spaces', () => {
    // Characters of these categories are never forbidden: they are not Cc, Cf, Zl or Zp, and the
    // few default-ignorable ones among them (Hangul fillers, variation selectors) are left out.
    const visible = fc
      .string({
        unit: fc.integer({ min: 0x20, max: 0x2fff }).map((cp) => String.fromCodePoint(cp)),
      })
      .filter((value) => /^[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]*$/u.test(value))
      .filter((value) => !/\p{Default_Ignorable_Code_Point}/u.test(value))
      .filter((value) => value.length > 0);

    fc.assert(
      fc.property(visible, (value) => {
        assert.equal(refusal(value, { max: 10_000 }), null);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses generated text with any forbidden character inserted anywhere', () => {
    const forbidden = fc.constantFrom(...Object.values(FORBIDDEN_CLASSES).flat());
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), forbidden, fc.nat(), (base, char, at) => {
        const cut = at % (base.length + 1);
        const value = `${base.slice(0, cut)}${char}${base.slice(cut)}`;

        assert.equal(refusal(value, MULTILINE), 'invalid_request', hex(char));
      }),
      { numRuns: 300 },
    );
  });
});
