/**
 * Refunds (`POST /v1/checkout-sessions/:id/refunds`): of settled sessions only, idempotent on the
 * key, never past the amount (also when requests race), listed on the session, given back to the
 * payer's monthly usage in the month of the payment, audited, and sent as `refund.succeeded`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Account, Refund, Session, WebhookEvent } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { verifyWebhook } from '../../src/verify/index.js';
import {
  Phone,
  createSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';
import { settledSession } from './support/pay.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

let keys = 0;

function refund(
  server: TestIssuer,
  sessionId: string,
  body?: Record<string, unknown>,
  key: string | null = `refund-${keys++}`,
  token: string = DEMO.secretKey,
) {
  return request<Refund>(server.url, 'POST', `/v1/checkout-sessions/${sessionId}/refunds`, {
    token,
    ...(key === null ? {} : { headers: { 'idempotency-key': key } }),
    ...(body !== undefined ? { body } : {}),
  });
}

async function usedThisMonth(server: TestIssuer): Promise<number> {
  const account = await request<Account>(server.url, 'GET', `/v1/accounts/${DEMO.accountId}`, {
    token: DEMO.adminKey,
  });
  return account.body.usedThisMonth;
}

describe('refunds', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('refunds part of a settled payment, then the rest; the session lists both; a third is refused with 400', async () => {
    const session = await settledSession(server, phone, { amount: 1500 });

    const part = await refund(server, session.id, { amount: 500, reason: 'one cup spilled' });
    const rest = await refund(server, session.id, {});
    const more = await refund(server, session.id, { amount: 1 });
    const view = await request<Session>(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
      token: DEMO.secretKey,
    });

    assert.equal(part.status, 201);
    assert.deepEqual(
      { ...part.body, id: '', createdAt: '' },
      {
        id: '',
        sessionId: session.id,
        amount: 500,
        currency: 'KRW',
        status: 'succeeded',
        reason: 'one cup spilled',
        createdAt: '',
      },
    );
    assert.match(part.body.id, /^re_/);
    assert.equal(rest.status, 201);
    assert.equal(rest.body.amount, 1000);
    assert.equal(more.status, 400);
    assert.equal(errorCodeOf(more.body), 'refund_exceeds_amount');
    assert.equal(view.body.status, 'settled');
    assert.equal(view.body.settlementToken, session.settlementToken);
    assert.deepEqual(view.body.refunds, [part.body, rest.body]);
  });

  it('is idempotent on the key: the same body gets the same refund, another body a conflict', async () => {
    const session = await settledSession(server, phone);

    const first = await refund(server, session.id, { amount: 300 }, 'same-key');
    const again = await refund(server, session.id, { amount: 300 }, 'same-key');
    const changed = await refund(server, session.id, { amount: 301 }, 'same-key');
    const elsewhere = await refund(
      server,
      (await settledSession(server, phone)).id,
      { amount: 300 },
      'same-key',
    );

    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(errorCodeOf(changed.body), 'idempotency_conflict');
    assert.equal(errorCodeOf(elsewhere.body), 'idempotency_conflict');
    const listed = await request<Session>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      { token: DEMO.secretKey },
    );
    assert.equal(listed.body.refunds?.length, 1);
  });

  it('never refunds past the amount when ten requests race', async () => {
    const session = await settledSession(server, phone, { amount: 1500 });

    const results = await Promise.all(
      Array.from({ length: 10 }, () => refund(server, session.id, { amount: 500 })),
    );

    assert.equal(results.filter((r) => r.status === 201).length, 3);
    assert.deepEqual(
      results.filter((r) => r.status !== 201).map((r) => `${r.status} ${errorCodeOf(r.body)}`),
      Array.from({ length: 7 }, () => '400 refund_exceeds_amount'),
    );
    const refunded = (await server.issuer.store.listRefunds(session.id)).reduce(
      (sum, r) => sum + r.amount,
      0,
    );
    assert.equal(refunded, 1500);
  });

  it("gives the refunded amount back to the payer's monthly usage, and audits it", async () => {
    const before = await usedThisMonth(server);
    const session = await settledSession(server, phone, { amount: 2000 });
    const paid = await usedThisMonth(server);

    const done = await refund(server, session.id, { amount: 700 });
    const after = await usedThisMonth(server);

    assert.equal(paid - before, 2000);
    assert.equal(paid - after, 700);
    const audit = await server.issuer.store.listAudit({ sessionId: session.id });
    const row = audit.find((entry) => entry.action === 'refund.created');
    assert.equal(row?.merchantId, DEMO.merchantId);
    assert.equal(row?.accountId, DEMO.accountId);
    assert.deepEqual(row?.detail, {
      refundId: done.body.id,
      amount: 700,
      currency: 'KRW',
      limitAmount: 700,
    });
  });

  it("refuses a session that is not settled, another merchant's, and bad requests, with their codes", async () => {
    const open = await createSession(server.url);
    const settled = await settledSession(server, phone);
    const other = await request<{ secretKey: string }>(server.url, 'POST', '/v1/merchants', {
      token: DEMO.adminKey,
      body: { name: 'Refund Stranger Shop', allowedOrigins: ['https://stranger.example'] },
    });

    const answers = [
      await refund(server, open.id, { amount: 100 }),
      await refund(server, settled.id, { amount: 100 }, `s-${keys++}`, other.body.secretKey),
      await refund(server, settled.id, { amount: 100 }, null),
      await refund(server, settled.id, { amount: 0 }),
      await refund(server, settled.id, { amount: 1.5 }),
      await refund(server, settled.id, { amount: 100, currency: 'USD' }),
      await refund(server, settled.id, { reason: 'a\u202eb' }),
      await refund(server, 'cs_missing', { amount: 100 }),
      await refund(server, settled.id, { amount: 100 }, `k-${keys++}`, 'sk_test_wrong'),
    ];

    assert.deepEqual(
      answers.map((a) => `${a.status} ${errorCodeOf(a.body)}`),
      [
        '409 session_not_settled',
        '404 not_found',
        '400 idempotency_key_required',
        '400 invalid_amount',
        '400 invalid_amount',
        '400 invalid_request',
        '400 invalid_request',
        '404 not_found',
        '401 unauthorized',
      ],
    );
    assert.deepEqual(await server.issuer.store.listRefunds(settled.id), []);
  });
});

describe('refunds and the month of the payment', () => {
  // The last minute of a month, then the first of the next.
  const clock = { now: Date.UTC(2026, 11, 31, 23, 50) };
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer({ now: () => clock.now });
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it("gives a refund of last month's payment back to last month, not to this one", async () => {
    const session = await settledSession(server, phone, { amount: 4000 });
    clock.now = Date.UTC(2027, 0, 1, 0, 5);
    const january = await settledSession(server, phone, { amount: 1000 });
    const before = await usedThisMonth(server);

    const refunded = await refund(server, session.id, {});
    const after = await usedThisMonth(server);
    const december = await server.issuer.store.limitUsedSince(
      DEMO.accountId,
      Date.UTC(2026, 11, 1),
    );

    assert.equal(refunded.status, 201);
    assert.ok(january.settlementToken);
    assert.equal(before, 1000);
    assert.equal(after, 1000);
    // Since December 1: 4000 + 1000 paid, 4000 given back.
    assert.equal(december, 1000);
  });
});

describe('refund webhooks', () => {
  let server: TestIssuer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await WebhookReceiver.start();
    server = await startTestIssuer({ devWebhooks: true });
  });
  after(async () => {
    await server.dispose();
    await receiver.close();
  });

  it('sends refund.succeeded with the refund, signed', async () => {
    const set = await request<{ webhookSecret: string }>(
      server.url,
      'PATCH',
      `/v1/merchants/${DEMO.merchantId}`,
      { token: DEMO.adminKey, body: { webhookUrl: receiver.url } },
    );
    const phone = new Phone(server.url);
    await phone.enrol();
    const session = await settledSession(server, phone);

    const done = await refund(server, session.id, { amount: 100 });
    await server.issuer.deliverWebhooks();
    const received = await receiver.waitFor(2);

    const events = received.map(
      (r) => verifyWebhook(r.body, r.headers, set.body.webhookSecret) as WebhookEvent,
    );
    const refundEvent = events.find((event) => event.type === 'refund.succeeded');
    assert.deepEqual(refundEvent?.data, done.body);
    assert.ok(events.some((event) => event.type === 'checkout.settled'));
  });
});
