/**
 * Conformance: the counts the risk policy reads (`Store.riskSignals`) and the page network a
 * hand-off records. Part of the store conformance suite (conformance.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RiskSignalName, RiskSignalQuery, Store } from '../../../src/server/store/types.js';
import {
  T0,
  audit,
  cardRecord,
  handoffRecord,
  merchantRecord,
  keyOf,
  sessionRecord,
  withPayer,
} from './fixtures.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

type Payer = Awaited<ReturnType<typeof withPayer>>;

/** Settles one payment of `amount` by `payer` at `at`, approved from `phone`. */
export async function pay(
  store: Store,
  payer: Payer,
  at: number,
  amount: number,
  phone: string,
  merchantId = payer.merchant.id,
  cardId = payer.card.id,
) {
  const claimed = await claimedAt(store, merchantId, amount, at, phone);
  const result = await store.settle({
    sessionId: claimed.session.id,
    challenge: claimed.challenge,
    card: { id: cardId, expectedCounter: 0, newCounter: 0 },
    limit: { accountId: payer.accountId, since: 0, amount, max: 1_000_000_000 },
    settlementId: `stl_${randomBytes(8).toString('hex')}`,
    token: 'h.p.s',
    now: at,
    audit: audit('session.settled', claimed.session.id, at),
  });
  assert.equal(result.ok, true, result.ok ? '' : result.conflict);
}

/** A session claimed from `phone` just before `at`, with a live challenge. */
async function claimedAt(
  store: Store,
  merchantId: string,
  amount: number,
  at: number,
  phone: string,
) {
  const record = sessionRecord(merchantId, {
    amount,
    createdAt: at - 2000,
    expiresAt: at + MINUTE,
  });
  const created = await store.createSession(record, audit('created', undefined, at - 2000));
  assert.equal(created.outcome, 'created');
  const handoff = handoffRecord(record.id, { createdAt: at - 1500, expiresAt: at + MINUTE });
  assert.ok((await store.createHandoff(handoff, at - 1500)).ok);
  const claimed = await store.claimHandoff({
    codeHash: handoff.codeHash,
    phoneTokenHash: phone,
    now: at - 1000,
    audit: audit('session.claimed', record.id, at - 1000),
  });
  assert.ok(claimed.ok);
  const challenge = randomBytes(32).toString('base64url');
  await store.storeChallenge(
    { challenge, sessionId: record.id, txn: record.txn, expiresAt: at + MINUTE, usedAt: null },
    at - 500,
  );
  return { session: record, challenge };
}

const SIGNALS: RiskSignalName[] = [
  'accountPaymentsShort',
  'accountPaymentsLong',
  'accountAmountShort',
  'accountFailuresShort',
  'cardPaymentsShort',
  'cardFailuresLong',
  'accountPaymentsEver',
  'accountLargestAmount',
  'merchantPaymentsEver',
  'phoneOtherAccountsLong',
];

/** Asks for every signal, each capped at `cap`. */
export function query(payer: Payer, now: number, phone: string, cap = 100): RiskSignalQuery {
  return {
    accountId: payer.accountId,
    cardId: payer.card.id,
    merchantId: payer.merchant.id,
    phoneTokenHash: phone,
    shortSince: now - MINUTE,
    longSince: now - DAY,
    caps: Object.fromEntries(SIGNALS.map((name) => [name, cap])),
  };
}

export function describeRiskSignals(storeOf: () => Store): void {
  describe('risk signals', () => {
    it('counts an account’s and a card’s payments and amounts in each window', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const phone = `phone-${randomBytes(4).toString('hex')}`;
      const now = T0 + 2 * DAY;
      await pay(store, payer, now - 2 * DAY, 90_000, phone); // outside both windows
      await pay(store, payer, now - 3 * MINUTE, 4000, phone); // in the day only
      await pay(store, payer, now - 30_000, 1000, phone);
      await pay(store, payer, now - 10_000, 2500, phone);

      const signals = await store.riskSignals(query(payer, now, phone));

      assert.equal(signals.accountPaymentsShort, 2);
      assert.equal(signals.accountPaymentsLong, 3);
      assert.equal(signals.accountAmountShort, 3500);
      assert.equal(signals.cardPaymentsShort, 2);
      assert.equal(signals.accountPaymentsEver, 4);
      assert.equal(signals.accountLargestAmount, 90_000);
      assert.equal(signals.merchantPaymentsEver, 4);
      assert.equal(signals.phoneOtherAccountsLong, 0);
      assert.equal(signals.accountFailuresShort, 0);
      assert.equal(signals.cardFailuresLong, 0);
    });

    it('stops every count at the cap', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const phone = `phone-${randomBytes(4).toString('hex')}`;
      const now = T0 + DAY;
      for (let i = 0; i < 5; i++) await pay(store, payer, now - 1000 * (i + 1), 100, phone);

      const signals = await store.riskSignals(query(payer, now, phone, 3));

      assert.equal(signals.accountPaymentsShort, 3);
      assert.equal(signals.accountPaymentsLong, 3);
      assert.equal(signals.cardPaymentsShort, 3);
      assert.equal(signals.accountPaymentsEver, 3);
      assert.equal(signals.merchantPaymentsEver, 3);
    });

    it('stops each count at its own cap, and reads only the signals asked for', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const phone = `phone-${randomBytes(4).toString('hex')}`;
      const now = T0 + DAY;
      for (let i = 0; i < 5; i++)
        await pay(store, payer, now - 1000 * (i + 1), 100 * (i + 1), phone);

      const signals = await store.riskSignals({
        ...query(payer, now, phone),
        caps: { accountPaymentsShort: 4, merchantPaymentsEver: 1, accountLargestAmount: 1 },
      });

      assert.deepEqual(signals, {
        accountPaymentsShort: 4,
        accountPaymentsLong: null,
        accountAmountShort: null,
        accountFailuresShort: null,
        cardPaymentsShort: null,
        cardFailuresLong: null,
        accountPaymentsEver: null,
        accountLargestAmount: 500,
        merchantPaymentsEver: 1,
        phoneOtherAccountsLong: null,
      });
      const none = await store.riskSignals({ ...query(payer, now, phone), caps: {} });
      assert.ok(Object.values(none).every((value) => value === null));
    });

    it('refuses a cap that is not a positive integer (it is written into the statement)', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      for (const cap of [0, -1, 1.5, Number.NaN, '1; DROP TABLE sessions' as unknown as number]) {
        await assert.rejects(
          store.riskSignals({ ...query(payer, T0, 'p'), caps: { accountPaymentsEver: cap } }),
          RangeError,
        );
      }
    });

    it('knows a merchant the account never paid, and the card’s other cards apart', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const phone = `phone-${randomBytes(4).toString('hex')}`;
      const now = T0 + DAY;
      const second = cardRecord(payer.accountId);
      const code = randomBytes(32).toString('hex');
      await store.createEnrollment(
        {
          codeHash: code,
          accountId: payer.accountId,
          expiresAt: T0 + DAY,
          challenge: null,
          usedAt: null,
          createdAt: T0,
          purpose: 'desk',
          activatesAt: null,
        },
        audit('enrollment.created'),
      );
      assert.ok(await store.completeEnrollment(code, second, T0, audit('card.enrolled')));
      await pay(store, payer, now - 1000, 100, phone, payer.merchant.id, second.id);
      const other = merchantRecord();
      await store.createMerchant(other, keyOf(other), audit('merchant.created'));

      const signals = await store.riskSignals({
        ...query(payer, now, phone),
        merchantId: other.id,
      });

      assert.equal(signals.merchantPaymentsEver, 0);
      assert.equal(signals.accountPaymentsShort, 1);
      assert.equal(signals.cardPaymentsShort, 0, 'the other card paid, not this one');
    });

    it('counts failed approvals by card and by account from the audit log', async () => {
      const store = storeOf();
      const payer = await withPayer(store);
      const now = T0 + DAY;
      const failed = (at: number, cardId?: string) =>
        store.appendAudit({
          ...audit('approval.failed', undefined, at),
          accountId: payer.accountId,
          cardId,
          detail: { reason: 'authentication_failed' },
        });
      await failed(now - 10_000, payer.card.id);
      await failed(now - 2 * MINUTE, payer.card.id);
      await failed(now - 2 * DAY, payer.card.id);
      await failed(now - 5000); // the account's, no card named
      await store.appendAudit({
        ...audit('session.settled', undefined, now - 1000),
        accountId: payer.accountId,
        cardId: payer.card.id,
      });

      const signals = await store.riskSignals(query(payer, now, 'no-phone'));

      assert.equal(signals.cardFailuresLong, 2);
      assert.equal(signals.accountFailuresShort, 2);
    });

    it('counts the other accounts one phone paid for in the long window', async () => {
      const store = storeOf();
      const phone = `phone-${randomBytes(4).toString('hex')}`;
      const now = T0 + 2 * DAY;
      const payers = [await withPayer(store), await withPayer(store), await withPayer(store)];
      const [me, friend, stranger] = payers as [Payer, Payer, Payer];
      await pay(store, me, now - 5000, 100, phone);
      await pay(store, friend, now - 4000, 100, phone);
      await pay(store, friend, now - 3000, 100, phone);
      await pay(store, friend, now - 2 * DAY, 100, phone); // settled last, yet the older payment
      await pay(store, stranger, now - 2 * DAY, 100, phone); // too long ago
      await pay(store, stranger, now - 2000, 100, `${phone}-other`); // another phone

      const signals = await store.riskSignals(query(me, now, phone));

      assert.equal(signals.phoneOtherAccountsLong, 1);
      assert.equal(
        (await store.riskSignals(query(me, now, null as unknown as string))).phoneOtherAccountsLong,
        0,
      );
    });

    it('records the network a hand-off was asked from; a hand-off without one keeps it', async () => {
      const store = storeOf();
      const merchant = merchantRecord();
      await store.createMerchant(merchant, keyOf(merchant), audit('merchant.created'));
      const created = await store.createSession(sessionRecord(merchant.id), audit('created'));
      assert.equal(created.outcome, 'created');
      const id = created.session.id;
      assert.equal((await store.getSession(id))?.pageNetwork, null);
      assert.ok((await store.createHandoff(handoffRecord(id), T0, '203.0.113.0/24')).ok);
      assert.equal((await store.getSession(id))?.pageNetwork, '203.0.113.0/24');
      assert.ok((await store.createHandoff(handoffRecord(id), T0)).ok);
      assert.equal((await store.getSession(id))?.pageNetwork, '203.0.113.0/24');
      assert.ok((await store.createHandoff(handoffRecord(id), T0, '2001:db8:1::/48')).ok);
      assert.equal((await store.getSession(id))?.pageNetwork, '2001:db8:1::/48');
    });
  });
}
