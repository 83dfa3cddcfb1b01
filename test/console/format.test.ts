import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  auditQuery,
  detailText,
  formatCountdown,
  formatDateTime,
  formatMoney,
  invalidOrigins,
  parseMajorAmount,
  parseOrigins,
  toMajorText,
} from '../../src/console/format.js';

describe('console formatting (src/console/format.ts)', () => {
  it('formats amounts in minor units in the account currency, zero included', () => {
    assert.equal(formatMoney(1_000_000, 'KRW', 'en'), '₩1,000,000');
    assert.equal(formatMoney(75_000, 'USD', 'en'), '$750.00');
    assert.equal(formatMoney(0, 'USD', 'en'), '$0.00');
    assert.equal(formatMoney(0, 'KRW', 'ko'), '₩0');
    assert.match(formatMoney(1505, 'BHD', 'en'), /^BHD\s1\.505$/);
  });

  it('shows an unknown currency as number and code instead of failing', () => {
    assert.equal(formatMoney(12, 'XXX', 'en'), '12 XXX');
  });

  it('reads typed major-unit amounts exactly into minor units', () => {
    assert.equal(parseMajorAmount('1,000,000', 'KRW'), 1_000_000);
    assert.equal(parseMajorAmount('750.5', 'USD'), 75_050);
    assert.equal(parseMajorAmount('750', 'USD'), 75_000);
    assert.equal(parseMajorAmount('０.１', 'USD'), 10);
    assert.equal(parseMajorAmount('0', 'KRW'), 0);
    assert.equal(parseMajorAmount('  ', 'KRW'), undefined);
  });

  it('refuses amounts with too many decimals, signs, words or beyond 2^53', () => {
    for (const [text, currency] of [
      ['1.5', 'KRW'],
      ['1.001', 'USD'],
      ['-5', 'KRW'],
      ['1e6', 'KRW'],
      ['ten', 'KRW'],
      ['99999999999999999', 'KRW'],
      ['5', 'XXX'],
    ]) {
      assert.equal(parseMajorAmount(text ?? '', currency ?? ''), null, `${text} ${currency}`);
    }
  });

  it('writes minor units back as the text a field shows', () => {
    assert.equal(toMajorText(75_050, 'USD'), '750.50');
    assert.equal(toMajorText(5, 'USD'), '0.05');
    assert.equal(toMajorText(1_000_000, 'KRW'), '1000000');
    assert.equal(parseMajorAmount(toMajorText(123_456, 'BHD'), 'BHD'), 123_456);
  });

  it('uses one date format per language', () => {
    const at = '2026-03-04T05:06:07Z';
    assert.equal(
      formatDateTime(at, 'en'),
      new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' }).format(
        new Date(at),
      ),
    );
    assert.notEqual(formatDateTime(at, 'ko'), formatDateTime(at, 'en'));
    assert.equal(formatDateTime(null, 'en'), '');
    assert.equal(formatDateTime('not a date', 'en'), 'not a date');
  });

  it('counts down as m:ss, never below zero', () => {
    assert.equal(formatCountdown(15 * 60_000), '15:00');
    assert.equal(formatCountdown(61_001), '1:02');
    assert.equal(formatCountdown(-5), '0:00');
    assert.equal(formatCountdown(3_600_000 + 5_000), '1:00:05');
  });

  it('reads allowed origins one per line and names the ones that are not origins', () => {
    const origins = parseOrigins(' https://shop.example \r\n\nhttp://localhost:4000\n');

    assert.deepEqual(origins, ['https://shop.example', 'http://localhost:4000']);
    assert.deepEqual(invalidOrigins(origins), []);
    assert.deepEqual(
      invalidOrigins([
        'https://shop.example/',
        'shop.example',
        'ftp://x.example',
        'https://a.example/path',
      ]),
      ['https://shop.example/', 'shop.example', 'ftp://x.example', 'https://a.example/path'],
    );
  });

  it('turns audit filters into the API query: from/to days into since/until, to inclusive', () => {
    const params = auditQuery(
      { accountId: ' acct_demo ', action: 'card.*', from: '2026-01-01', to: '2026-01-31' },
      'c1',
    );

    assert.equal(params.get('accountId'), 'acct_demo');
    assert.equal(params.get('action'), 'card.');
    assert.equal(params.get('since'), new Date(2026, 0, 1).toISOString());
    assert.equal(params.get('until'), new Date(2026, 1, 1).toISOString());
    assert.equal(params.get('cursor'), 'c1');
    assert.equal(auditQuery({}).toString(), '');
  });

  it('shows audit details as JSON text, empty for nothing', () => {
    assert.equal(
      detailText({ amount: 1500, note: '<b>x</b>' }),
      '{"amount":1500,"note":"<b>x</b>"}',
    );
    assert.equal(detailText({}), '');
    assert.equal(detailText(null), '');
  });
});
