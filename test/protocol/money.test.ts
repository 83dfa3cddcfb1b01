import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CURRENCY_EXPONENTS,
  MAX_AMOUNT,
  assertAmount,
  formatAmount,
  isSupportedCurrency,
  minorUnitExponent,
  toDecimalString,
} from '../../src/protocol/index.js';

describe('minorUnitExponent', () => {
  const expected = { KRW: 0, JPY: 0, USD: 2, EUR: 2, GBP: 2, BHD: 3 } as const;
  for (const [currency, exponent] of Object.entries(expected)) {
    it(`gives ${currency} ${exponent} minor-unit digits`, () => {
      assert.equal(minorUnitExponent(currency), exponent);
    });
  }

  it('agrees with Intl on every listed currency', () => {
    for (const [currency, exponent] of Object.entries(CURRENCY_EXPONENTS)) {
      const intl = new Intl.NumberFormat('en', { style: 'currency', currency });
      // Intl follows CLDR, which drops cash-less minor units for a few currencies; ISO 4217 wins.
      const cldrDiffers = ['HUF', 'IDR', 'TWD', 'CLP', 'ISK'].includes(currency);
      if (!cldrDiffers) {
        assert.equal(intl.resolvedOptions().maximumFractionDigits, exponent, currency);
      }
    }
  });

  for (const bad of ['krw', 'XYZ', 'US', '', 'USDD', ' KRW']) {
    it(`rejects ${JSON.stringify(bad)} with code unsupported_currency`, () => {
      assert.throws(() => minorUnitExponent(bad), { code: 'unsupported_currency' });
      assert.equal(isSupportedCurrency(bad), false);
    });
  }
});

describe('assertAmount', () => {
  for (const good of [1, 1500, 999_999, MAX_AMOUNT]) {
    it(`accepts ${good}`, () => {
      assert.doesNotThrow(() => assertAmount(good));
    });
  }

  const bad: [string, unknown][] = [
    ['a fraction', 15.5],
    ['a tiny fraction', 1 + Number.EPSILON],
    ['zero', 0],
    ['negative zero', -0],
    ['a negative', -100],
    ['2^53', 2 ** 53],
    ['past 2^53', 2 ** 60],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '1500'],
    ['a bigint', 1500n],
    ['null', null],
    ['an object', { amount: 1 }],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name} with code invalid_amount`, () => {
      assert.throws(() => assertAmount(value), { code: 'invalid_amount' });
    });
  }
});

describe('toDecimalString', () => {
  it('places the decimal point by the currency exponent without float rounding', () => {
    assert.equal(toDecimalString(1505, 'USD'), '15.05');
    assert.equal(toDecimalString(5, 'EUR'), '0.05');
    assert.equal(toDecimalString(1505, 'KRW'), '1505');
    assert.equal(toDecimalString(1, 'BHD'), '0.001');
    assert.equal(toDecimalString(MAX_AMOUNT, 'USD'), '90071992547409.91');
  });
});

describe('formatAmount', () => {
  it('formats KRW in Korean without decimals', () => {
    assert.equal(formatAmount(1500, 'KRW', 'ko-KR'), '₩1,500');
  });

  it('formats USD in English with two decimals', () => {
    assert.equal(formatAmount(1505, 'USD', 'en-US'), '$15.05');
  });

  it('formats JPY without decimals and EUR with a decimal comma in German', () => {
    assert.equal(formatAmount(1500, 'JPY', 'en-US'), '¥1,500');
    assert.match(formatAmount(123456, 'EUR', 'de-DE'), /^1\.234,56\s€$/);
  });

  it('keeps every digit of the largest amount', () => {
    assert.equal(formatAmount(MAX_AMOUNT, 'USD', 'en-US'), '$90,071,992,547,409.91');
  });

  it('refuses a fractional amount with code invalid_amount', () => {
    assert.throws(() => formatAmount(1.5, 'USD', 'en-US'), { code: 'invalid_amount' });
  });
});
