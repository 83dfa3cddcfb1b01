import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertForLimit, parseExchangeRates } from '../../src/server/limits.js';

const RATES = { base: 'KRW', rates: { USD: 1380.5, JPY: 9.2, KWD: 4500 } };

describe('convertForLimit', () => {
  it('converts minor units through the base currency, rounding up', () => {
    assert.equal(convertForLimit(100, 'USD', 'KRW', RATES), 1381);
    assert.equal(convertForLimit(1000, 'KRW', 'USD', RATES), 73);
    assert.equal(convertForLimit(1, 'JPY', 'USD', RATES), 1);
    assert.equal(convertForLimit(1000, 'KWD', 'KRW', RATES), 4500);
  });

  it('returns the amount unchanged in the same currency, and null without a rate', () => {
    assert.equal(convertForLimit(1234, 'EUR', 'EUR', undefined), 1234);
    assert.equal(convertForLimit(100, 'USD', 'KRW', undefined), null);
    assert.equal(convertForLimit(100, 'EUR', 'KRW', RATES), null);
    assert.equal(convertForLimit(100, 'KRW', 'GBP', RATES), null);
  });
});

describe('parseExchangeRates', () => {
  it('accepts a base and positive rates of supported currencies', () => {
    assert.deepEqual(parseExchangeRates(RATES), RATES);
  });

  for (const [label, value] of [
    ['not an object', []],
    ['an unknown base', { base: 'XYZ', rates: {} }],
    ['rates that are not an object', { base: 'KRW', rates: 5 }],
    ['an unknown currency', { base: 'KRW', rates: { ABC: 1 } }],
    ['a zero rate', { base: 'KRW', rates: { USD: 0 } }],
    ['a string rate', { base: 'KRW', rates: { USD: '1380' } }],
    ['an infinite rate', { base: 'KRW', rates: { USD: Infinity } }],
  ] as const) {
    it(`refuses ${label}`, () => {
      assert.throws(() => parseExchangeRates(value), TypeError);
    });
  }
});
