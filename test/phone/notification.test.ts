/**
 * The service worker's notification text (`src/phone/notification.ts`, shown by `sw.ts`): a
 * settled and a refused payment attempt in English and Korean, the amount in the payload's
 * currency, the refusal in words; account notices; anything else a generic notification; and
 * only the issuer's own paths are opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationFor, targetUrl } from '../../src/phone/notification.js';

const settled = {
  type: 'payment-attempt',
  outcome: 'settled',
  sessionId: 'cs_abcdefghijkl',
  noticeToken: 'AAAAAAAAAAAAAAAAAAAAAA',
  merchantName: 'Demo Shop',
  amount: 4500,
  currency: 'KRW',
  at: '2026-12-06T10:00:00.000Z',
};
const refused = { ...settled, outcome: 'refused', reason: 'limit_exceeded' };

describe('notificationFor', () => {
  it('tells of a refund, and opens the payment’s page', () => {
    const refund = {
      type: 'refund',
      sessionId: 'cs_abcdefghijkl',
      noticeToken: 'AAAAAAAAAAAAAAAAAAAAAA',
      merchantName: 'Demo Shop',
      amount: 1500,
      currency: 'KRW',
      at: '2026-12-06T10:00:00.000Z',
    };
    const en = notificationFor(refund, 'en-US');
    const ko = notificationFor(refund, 'ko-KR');
    assert.equal(en.title, '₩1,500 refunded by Demo Shop');
    assert.equal(ko.title, 'Demo Shop에서 ₩1,500 환불됨');
    assert.deepEqual(en.options.data, { url: '/p/cs_abcdefghijkl#AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(notificationFor({ ...refund, sessionId: '../x' }, 'en').options.data.url, null);
  });

  it('says what was paid, to whom, in the payload currency, and opens the payment', () => {
    const { title, options } = notificationFor(settled, 'en-US');
    assert.equal(title, '₩4,500 paid to Demo Shop');
    assert.equal(options.tag, 'cs_abcdefghijkl');
    assert.equal(options.lang, 'en');
    assert.equal(options.timestamp, Date.parse(settled.at));
    assert.deepEqual(options.data, { url: '/p/cs_abcdefghijkl#AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(
      notificationFor({ ...settled, amount: 1999, currency: 'USD' }, 'en').title,
      '$19.99 paid to Demo Shop',
    );
  });

  it('says a refusal with its reason in words', () => {
    assert.equal(
      notificationFor(refused, 'en').title,
      'A payment of ₩4,500 was refused: monthly limit',
    );
    assert.equal(
      notificationFor(refused, 'en').options.body,
      'At Demo Shop. Tap to see this payment.',
    );
    assert.equal(
      notificationFor({ ...refused, reason: 'account_frozen' }, 'en').title,
      'A payment of ₩4,500 was refused: account frozen',
    );
  });

  it('speaks Korean to a Korean browser', () => {
    const paid = notificationFor(settled, 'ko-KR');
    assert.equal(paid.title, 'Demo Shop에 ₩4,500 결제됨');
    assert.equal(paid.options.lang, 'ko');
    assert.equal(notificationFor(refused, 'ko').title, '₩4,500 결제가 거절됨: 월 한도 초과');
  });

  it('tells of account notices and opens the recovery page', () => {
    const at = '2026-12-06T10:00:00.000Z';
    const frozen = notificationFor({ type: 'account-notice', notice: 'account-frozen', at }, 'en');
    assert.equal(frozen.title, 'Your account was frozen with a recovery code');
    assert.deepEqual(frozen.options.data, { url: '/r' });
    const replacement = notificationFor(
      {
        type: 'account-notice',
        notice: 'recovery-enrollment',
        at,
        activatesAt: '2026-12-09T10:00:00.000Z',
      },
      'en',
    );
    assert.match(
      replacement.title,
      /^A replacement card was added; it becomes active on 9 Dec 2026/,
    );
    assert.equal(
      notificationFor({ type: 'account-notice', notice: 'card-added', at }, 'ko').title,
      '계정에 카드가 추가되었습니다',
    );
    assert.equal(
      notificationFor({ type: 'account-notice', notice: 'card-added', at }, 'en').title,
      'A card was added to your account',
    );
  });

  it('shows a generic notification, opening nothing, for anything else', () => {
    for (const payload of [
      null,
      'text',
      { ...settled, sessionId: '../admin' },
      { ...settled, outcome: 'maybe' },
      { type: 'account-notice', notice: 'toString', at: settled.at },
    ]) {
      const { title, options } = notificationFor(payload, 'en');
      assert.equal(title, 'dualpay');
      assert.deepEqual(options.data, { url: null });
    }
  });
});

describe('targetUrl', () => {
  const origin = 'https://issuer.example';
  it('opens only a path of the issuer', () => {
    assert.equal(targetUrl({ url: '/p/cs_abcdefghijkl' }, origin), `${origin}/p/cs_abcdefghijkl`);
    assert.equal(targetUrl({ url: '//evil.example/x' }, origin), `${origin}/`);
    assert.equal(targetUrl({ url: 'https://evil.example/' }, origin), `${origin}/`);
    assert.equal(targetUrl({ url: null }, origin), `${origin}/`);
    assert.equal(targetUrl(null, origin), `${origin}/`);
  });
});
