/**
 * The monthly limit is one limit per account, in the account's currency (security review: a KRW
 * account with limit 0 paid in USD, EUR, GBP, JPY and CHF, each currency counted on its own).
 * Payments in another currency count at the configured exchange rates, or are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO, type ExchangeRates } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type TestIssuer,
} from '../server/support/harness.js';

async function payerWithCard(server: TestIssuer, monthlyLimit: number): Promise<Phone> {
  const account = await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
    token: DEMO.adminKey,
    body: { displayName: 'Limited payer', monthlyLimit, currency: 'KRW' },
  });
  assert.equal(account.status, 201);
  const phone = new Phone(server.url);
  await phone.enrol(account.body.id);
  return phone;
}

/** Pays `amount` `currency` with `phone`; the confirm answer's error code, or 'settled'. */
async function pay(server: TestIssuer, phone: Phone, amount: number, currency: string) {
  const session = await createSession(server.url, { amount, currency });
  const handoff = await createHandoff(server.url, session);
  const record = await server.issuer.store.getSession(session.id);
  const result = await phone.pay(handoff.code, record?.bindingCode ?? '');
  const after = await server.issuer.store.getSession(session.id);
  return {
    outcome: result.status === 200 ? 'settled' : errorCodeOf(result.body),
    status: after?.status,
    errorCode: after?.errorCode,
    ledger: await server.issuer.store.listLedgerEntries({ sessionId: session.id }),
  };
}

describe('one monthly limit per account', () => {
  describe('without exchange rates', () => {
    let server: TestIssuer;
    before(async () => {
      server = await startTestIssuer();
    });
    after(() => server.dispose());

    it('refuses every payment, in every currency, from an account whose limit is 0', async () => {
      const phone = await payerWithCard(server, 0);
      const payments: [number, string][] = [
        [500, 'USD'],
        [500, 'EUR'],
        [500, 'GBP'],
        [500, 'JPY'],
        [500, 'CHF'],
        [500, 'KRW'],
      ];

      const outcomes = [];
      for (const [amount, currency] of payments) {
        outcomes.push((await pay(server, phone, amount, currency)).outcome);
      }

      assert.deepEqual(outcomes, [
        'currency_not_supported',
        'currency_not_supported',
        'currency_not_supported',
        'currency_not_supported',
        'currency_not_supported',
        'limit_exceeded',
      ]);
    });

    it('fails a session in a currency without a rate, writing no ledger entry', async () => {
      const phone = await payerWithCard(server, 1_000_000);

      const result = await pay(server, phone, 100, 'USD');

      assert.equal(result.outcome, 'currency_not_supported');
      assert.equal(result.status, 'failed');
      assert.equal(result.errorCode, 'currency_not_supported');
      assert.deepEqual(result.ledger, []);
    });
  });

  describe('with exchange rates', () => {
    const rates: ExchangeRates = { base: 'KRW', rates: { USD: 1380, EUR: 1500 } };
    let server: TestIssuer;
    before(async () => {
      server = await startTestIssuer({ exchangeRates: rates });
    });
    after(() => server.dispose());

    it('counts a payment in another currency at the rate, against the one limit', async () => {
      const phone = await payerWithCard(server, 10_000);

      const dollars = await pay(server, phone, 500, 'USD');
      const more = await pay(server, phone, 300, 'USD');
      const won = await pay(server, phone, 3_100, 'KRW');
      const euro = await pay(server, phone, 1, 'EUR');

      assert.equal(dollars.outcome, 'settled');
      assert.equal(dollars.ledger[0]?.limitAmount, 6_900);
      assert.equal(more.outcome, 'limit_exceeded');
      assert.equal(won.outcome, 'settled');
      assert.equal(euro.outcome, 'limit_exceeded');
    });

    it('still refuses everything from an account whose limit is 0', async () => {
      const phone = await payerWithCard(server, 0);

      const outcomes = [
        (await pay(server, phone, 1, 'USD')).outcome,
        (await pay(server, phone, 1, 'KRW')).outcome,
        (await pay(server, phone, 1, 'GBP')).outcome,
      ];

      assert.deepEqual(outcomes, ['limit_exceeded', 'limit_exceeded', 'currency_not_supported']);
    });
  });
});
