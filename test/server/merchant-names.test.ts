/**
 * `merchantNameKey` (src/server/domain/merchant-names.ts): which merchant names are one name.
 * test/hardening/input-tricks.test.ts checks the same through `POST /v1/merchants`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { merchantNameKey } from '../../src/server/domain/merchant-names.js';

describe('merchantNameKey', () => {
  for (const [label, names] of [
    [
      'case and full-width forms',
      ['Demo Shop', '\uff24\uff25\uff2d\uff2f \uff33\uff28\uff2f\uff30', 'demo shop'],
    ],
    ['ideographic and no-break spaces', ['Demo\u3000Shop', 'Demo\u00a0Shop', 'DEMO SHOP']],
    ['runs of white space and the ends', ['Demo  Shop', ' Demo Shop ', 'Demo\u2003 Shop']],
    ['sharp s, capital sharp s and SS', ['Straße', 'STRASSE', 'strasse', 'Stra\u1e9ee']],
    ['the Kelvin sign and K', ['\u212aiosk', 'Kiosk', 'kiosk']],
    [
      'the ångström and ohm signs',
      ['\u212bngstr\u00f6m \u2126', 'Ångström Ω', 'a\u030angstro\u0308m ω'],
    ],
    ['ligatures', ['\ufb01ne co\ufb00ee', 'fine coffee']],
    ['final and medial sigma', ['ΟΔΟΣ', 'οδοσ', 'οδος']],
    ['the four Turkish and Latin i', ['İstanbul', 'Istanbul', 'istanbul', 'ıstanbul']],
    ['circled and superscript forms', ['\u24b6\u24b7\u24b8', 'abc']],
  ] as const) {
    it(`makes one name of ${label}`, () => {
      const keys = new Set(names.map(merchantNameKey));

      assert.equal(keys.size, 1, [...keys].map((key) => JSON.stringify(key)).join(' '));
    });
  }

  for (const [label, a, b] of [
    ['different words', 'Demo Shop', 'Demo Shops'],
    ['words run together', 'Demo Shop', 'DemoShop'],
    ['accents', 'Café', 'Cafe'],
    ['digits', 'Shop 1', 'Shop 2'],
    ['scripts that look alike (not covered)', 'Shop', 'Sh\u043ep'],
  ] as const) {
    it(`keeps apart ${label}`, () => {
      assert.notEqual(merchantNameKey(a), merchantNameKey(b));
    });
  }

  it('is idempotent on any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (name) => {
          const key = merchantNameKey(name);

          assert.equal(merchantNameKey(key), key);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives the same key to a name in any case', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (name) => {
        const key = merchantNameKey(name);

        assert.equal(merchantNameKey(name.toUpperCase()), key);
        assert.equal(merchantNameKey(name.toLowerCase()), key);
      }),
      { numRuns: 1000 },
    );
  });
});
