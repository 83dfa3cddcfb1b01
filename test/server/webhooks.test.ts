/**
 * Webhooks end to end: a merchant sets a URL (SSRF-checked) and gets a secret once; every ending
 * of a session and every refund is POSTed there signed as Standard Webhooks says; failures are
 * retried on a schedule with the same id; redirects are not followed; a host that resolves to a
 * private address at delivery is refused; operators read the attempts and redeliver.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type {
  MerchantView,
  RollWebhookSecretResponse,
  Session,
  WebhookEvent,
  WebhookEventPage,
  WebhookEventView,
} from '../../src/protocol/index.js';
import { DEMO, type LookupAddress } from '../../src/server/index.js';
import { verifyWebhook } from '../../src/verify/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';
import { settledSession } from './support/pay.js';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver.js';

const admin = { token: DEMO.adminKey };

async function setWebhookUrl(server: TestIssuer, webhookUrl: string | null, id = DEMO.merchantId) {
  return request<MerchantView>(server.url, 'PATCH', `/v1/merchants/${id}`, {
    ...admin,
    body: { webhookUrl },
  });
}

async function events(server: TestIssuer, query = ''): Promise<WebhookEventPage> {
  const page = await request<WebhookEventPage>(
    server.url,
    'GET',
    `/v1/merchants/${DEMO.merchantId}/webhook-events${query}`,
    admin,
  );
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body;
}

const eventOf = (received: ReceivedWebhook): WebhookEvent =>
  JSON.parse(received.body) as WebhookEvent;

/** A name resolver for tests: names map to fixed addresses (and can change: DNS rebinding). */
function fakeDns(table: Record<string, string>) {
  const lookup = async (hostname: string): Promise<LookupAddress[]> => {
    const address = table[hostname];
    if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return { table, lookup };
}

describe('webhook configuration (PATCH /v1/merchants/:id)', () => {
  const dns = fakeDns({
    'shop.example': '93.184.216.34',
    'intranet.example': '10.1.2.3',
    'metadata.example': '169.254.169.254',
    'v6.example': '2606:4700::6810:85e5',
    'mapped.example': '::ffff:192.168.0.1',
    localhost: '127.0.0.1',
  });
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer({ webhookLookup: dns.lookup })));
  after(() => server.dispose());

  it('shows the secret once, on the change that first sets a URL; the view never shows it', async () => {
    const first = await setWebhookUrl(server, 'https://shop.example/dualpay/hooks?shop=1');
    const second = await setWebhookUrl(server, 'https://v6.example/hooks');
    const view = await request<MerchantView>(
      server.url,
      'GET',
      `/v1/merchants/${DEMO.merchantId}`,
      admin,
    );
    const removed = await setWebhookUrl(server, null);

    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.match(first.body.webhookSecret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(first.body.webhookUrl, 'https://shop.example/dualpay/hooks?shop=1');
    assert.equal(second.body.webhookSecret, undefined);
    assert.equal(view.body.webhookUrl, 'https://v6.example/hooks');
    assert.equal(view.body.webhookSecrets?.length, 1);
    assert.equal(view.body.webhookSecrets?.[0]?.expiresAt, null);
    assert.ok(!JSON.stringify(view.body).includes(first.body.webhookSecret ?? 'whsec_'));
    assert.equal(removed.body.webhookUrl, null);
  });

  for (const [url, why] of [
    ['http://shop.example/hooks', 'plain http'],
    ['https://127.0.0.1/hooks', 'loopback'],
    ['https://[::1]/hooks', 'IPv6 loopback'],
    ['https://localhost/hooks', 'a name for loopback'],
    ['https://10.0.0.8/hooks', 'private'],
    ['https://intranet.example/hooks', 'a name for a private address'],
    ['https://metadata.example/latest', 'a name for the link-local metadata address'],
    ['https://mapped.example/hooks', 'a name for an IPv4-mapped private address'],
    ['https://[::ffff:7f00:1]/hooks', 'IPv4-mapped loopback'],
    ['https://100.64.1.1/hooks', 'CGNAT'],
    ['https://[fe80::1]/hooks', 'IPv6 link-local'],
    ['https://[fd00::1]/hooks', 'IPv6 unique local'],
    ['https://224.0.0.1/hooks', 'multicast'],
    ['https://0.0.0.0/hooks', 'unspecified'],
    ['https://2130706433/hooks', 'loopback written as a number'],
    ['https://nowhere.example/hooks', 'a name that does not resolve'],
    ['https://user:pw@shop.example/hooks', 'credentials in the URL'],
  ] as const) {
    it(`refuses ${why} (${url}) with webhook_url_not_allowed`, async () => {
      const result = await setWebhookUrl(server, url);

      assert.equal(result.status, 400);
      assert.equal(errorCodeOf(result.body), 'webhook_url_not_allowed');
    });
  }

  it('refuses a URL that is not a string, or too long, with invalid_request', async () => {
    const number = await setWebhookUrl(server, 42 as unknown as string);
    const long = await setWebhookUrl(server, `https://shop.example/${'a'.repeat(2100)}`);

    assert.equal(errorCodeOf(number.body), 'invalid_request');
    assert.equal(errorCodeOf(long.body), 'invalid_request');
  });
});

describe('webhook URLs on a development issuer (devWebhooks)', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer({
      devWebhooks: true,
      webhookLookup: fakeDns({ 'shop.example': '93.184.216.34' }).lookup,
    });
  });
  after(() => server.dispose());

  it('accepts http to a loopback address, and still refuses plain http elsewhere and private addresses', async () => {
    const loopback = await setWebhookUrl(server, 'http://127.0.0.1:9/hooks');
    const publicHttp = await setWebhookUrl(server, 'http://shop.example/hooks');
    const privateHttps = await setWebhookUrl(server, 'https://192.168.1.10/hooks');

    assert.equal(loopback.status, 200);
    assert.equal(errorCodeOf(publicHttp.body), 'webhook_url_not_allowed');
    assert.equal(errorCodeOf(privateHttps.body), 'webhook_url_not_allowed');
  });
});

describe('webhook delivery', () => {
  const clock = { now: Date.now() };
  let server: TestIssuer;
  let receiver: WebhookReceiver;
  let secret: string;
  let phone: Phone;

  beforeEach(async () => {
    clock.now = Date.now();
    receiver = await WebhookReceiver.start();
    server = await startTestIssuer({ devWebhooks: true, now: () => clock.now });
    const set = await setWebhookUrl(server, receiver.url);
    secret = set.body.webhookSecret ?? '';
    phone = new Phone(server.url);
    await phone.enrol();
  });
  afterEach(async () => {
    await server.dispose();
    await receiver.close();
  });

  it("POSTs a settled payment's event signed as Standard Webhooks says; verifyWebhook and the reference library accept it", async () => {
    const session = await settledSession(server, phone);
    await server.issuer.deliverWebhooks();
    const [received] = await receiver.waitFor(1);
    if (!received) throw new Error('no webhook');

    const event = verifyWebhook(received.body, received.headers, secret);
    const reference = new Webhook(secret).verify(received.body, {
      'webhook-id': String(received.headers['webhook-id']),
      'webhook-timestamp': String(received.headers['webhook-timestamp']),
      'webhook-signature': String(received.headers['webhook-signature']),
    });

    assert.equal(received.method, 'POST');
    assert.equal(received.path, '/hooks');
    assert.equal(received.headers['content-type'], 'application/json');
    assert.match(String(received.headers['webhook-id']), /^evt_/);
    assert.equal(event.id, received.headers['webhook-id']);
    assert.match(String(received.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.ok(Math.abs(Number(received.headers['webhook-timestamp']) - clock.now / 1000) < 2);
    assert.deepEqual(reference, event);
    assert.equal(event.type, 'checkout.settled');
    const data = event.data as Session;
    assert.equal(data.id, session.id);
    assert.equal(data.status, 'settled');
    assert.equal(data.settlementToken, session.settlementToken);
    assert.deepEqual(data.refunds, []);
    const [view] = (await events(server)).events;
    assert.deepEqual([view?.status, view?.attempts.map((a) => a.statusCode)], ['delivered', [204]]);
  });

  it('sends one event for each other ending: cancelled, declined, failed (with the reason), expired', async () => {
    const cancelled = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${cancelled.id}/cancel`, {
      token: DEMO.secretKey,
    });
    const declined = await createSession(server.url);
    const declineHandoff = await createHandoff(server.url, declined);
    await phone.claim(declineHandoff.code);
    await phone.decline(declineHandoff.code);
    const mismatched = await createSession(server.url);
    const view = await publicSession(server.url, mismatched);
    const mismatchHandoff = await createHandoff(server.url, mismatched);
    await phone.claim(mismatchHandoff.code);
    const wrong = view.body.bindingCode === '00' ? '01' : '00';
    await phone.authenticationOptions(mismatchHandoff.code, wrong);
    const expired = await createSession(server.url);
    clock.now += 11 * 60_000;
    await server.issuer.sweep();

    await server.issuer.deliverWebhooks();
    const received = (await receiver.waitFor(4)).map(eventOf);

    const byType = new Map(received.map((event) => [event.type, event.data as Session]));
    assert.deepEqual([...byType.keys()].sort(), [
      'checkout.cancelled',
      'checkout.declined',
      'checkout.expired',
      'checkout.failed',
    ]);
    assert.equal(byType.get('checkout.cancelled')?.id, cancelled.id);
    assert.equal(byType.get('checkout.declined')?.id, declined.id);
    assert.equal(byType.get('checkout.failed')?.id, mismatched.id);
    assert.equal(byType.get('checkout.failed')?.error?.code, 'binding_mismatch');
    assert.equal(byType.get('checkout.expired')?.id, expired.id);
    assert.equal(byType.get('checkout.expired')?.settlementToken, undefined);
  });

  it('signs with both secrets while a roll overlaps (each verifies alone), with the new one only after a roll without overlap', async () => {
    const rolled = await request<RollWebhookSecretResponse>(
      server.url,
      'POST',
      `/v1/merchants/${DEMO.merchantId}/roll-webhook-secret`,
      { ...admin, body: { expiresInSeconds: 3600 } },
    );
    await settledSession(server, phone);
    await server.issuer.deliverWebhooks();
    const [overlap] = await receiver.waitFor(1);
    const cut = await request<RollWebhookSecretResponse>(
      server.url,
      'POST',
      `/v1/merchants/${DEMO.merchantId}/roll-webhook-secret`,
      { ...admin, body: { expiresInSeconds: 0 } },
    );
    await settledSession(server, phone);
    await server.issuer.deliverWebhooks();
    const [, alone] = await receiver.waitFor(2);
    if (!overlap || !alone) throw new Error('no webhook');

    const signatures = String(overlap.headers['webhook-signature']).split(' ');
    assert.equal(rolled.status, 201);
    assert.equal(signatures.length, 2);
    assert.ok(signatures.every((entry) => entry.startsWith('v1,')));
    for (const key of [secret, rolled.body.webhookSecret]) {
      for (const signature of signatures) {
        const headers = { ...overlap.headers, 'webhook-signature': signature };
        // Exactly one of the two signatures is each secret's.
        try {
          verifyWebhook(overlap.body, headers, key);
        } catch (error) {
          assert.equal((error as { code?: string }).code, 'webhook_signature_invalid');
        }
      }
      assert.equal(verifyWebhook(overlap.body, overlap.headers, key).type, 'checkout.settled');
    }
    assert.equal(String(alone.headers['webhook-signature']).split(' ').length, 1);
    assert.equal(
      verifyWebhook(alone.body, alone.headers, cut.body.webhookSecret).type,
      'checkout.settled',
    );
    assert.throws(() => verifyWebhook(alone.body, alone.headers, rolled.body.webhookSecret), {
      code: 'webhook_signature_invalid',
    });
  });

  it('retries an endpoint that answers 500 with the same event id, about 10 s and then 30 s later', async () => {
    receiver.answer = (_request, n) => ({ status: n < 2 ? 500 : 204 });
    await settledSession(server, phone);

    await server.issuer.deliverWebhooks();
    const notYet = await server.issuer.deliverWebhooks();
    clock.now += 11_000;
    await server.issuer.deliverWebhooks();
    clock.now += 33_000;
    await server.issuer.deliverWebhooks();
    const received = await receiver.waitFor(3);

    assert.equal(notYet, 0);
    assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, 1);
    assert.equal(new Set(received.map((r) => r.headers['webhook-timestamp'])).size, 3);
    const [view] = (await events(server)).events;
    if (!view) throw new Error('no event');
    const [first, second, third] = view.attempts;
    assert.equal(view.status, 'delivered');
    assert.deepEqual(
      view.attempts.map((a) => a.statusCode),
      [500, 500, 204],
    );
    const after = (attempt: typeof first) =>
      Date.parse(attempt?.nextAttemptAt ?? '') - Date.parse(attempt?.at ?? '');
    assert.ok(after(first) >= 10_000 && after(first) <= 11_000, String(after(first)));
    assert.ok(after(second) >= 30_000 && after(second) <= 33_000, String(after(second)));
    assert.equal(third?.nextAttemptAt, null);
  });

  it('does not follow redirects: a 302 is a failed attempt, and its Location is never asked', async () => {
    receiver.answer = () => ({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await settledSession(server, phone);

    await server.issuer.deliverWebhooks();

    assert.deepEqual(
      receiver.received.map((r) => r.path),
      ['/hooks'],
    );
    const [view] = (await events(server)).events;
    assert.deepEqual([view?.status, view?.attempts[0]?.statusCode], ['pending', 302]);
  });

  it('cuts off an endpoint that does not answer in time, and tries again later', async () => {
    await server.dispose();
    server = await startTestIssuer({
      devWebhooks: true,
      now: () => clock.now,
      webhookDelivery: { timeoutMs: 300 },
    });
    await setWebhookUrl(server, receiver.url);
    receiver.answer = () => ({ hang: true });
    const session = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });

    const started = Date.now();
    await server.issuer.deliverWebhooks();

    assert.ok(Date.now() - started < 3000);
    const [view] = (await events(server)).events;
    assert.deepEqual(
      [view?.status, view?.attempts[0]?.statusCode, view?.attempts[0]?.error],
      ['pending', null, 'timeout'],
    );
  });

  it('gives up at the end of its schedule; a redelivery sends the same id once more', async () => {
    await server.dispose();
    server = await startTestIssuer({
      devWebhooks: true,
      now: () => clock.now,
      webhookDelivery: { retryDelaysMs: [1000], giveUpAfterMs: 5000 },
    });
    await setWebhookUrl(server, receiver.url);
    receiver.answer = (_request, n) => ({ status: n < 3 ? 503 : 200 });
    const session = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });

    await server.issuer.deliverWebhooks();
    clock.now += 1200;
    await server.issuer.deliverWebhooks();
    clock.now += 5000;
    await server.issuer.deliverWebhooks();
    clock.now += 3_600_000;
    const givenUp = await server.issuer.deliverWebhooks();
    const [failed] = (await events(server)).events;
    const redelivered = await request<WebhookEventView>(
      server.url,
      'POST',
      `/v1/webhook-events/${failed?.id ?? ''}/redeliver`,
      admin,
    );
    await server.issuer.deliverWebhooks();

    assert.equal(givenUp, 0);
    assert.deepEqual(
      [failed?.status, failed?.nextAttemptAt, failed?.attempts.length],
      ['failed', null, 3],
    );
    assert.equal(redelivered.status, 200);
    assert.equal(redelivered.body.status, 'pending');
    const received = await receiver.waitFor(4);
    assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, 1);
    const [delivered] = (await events(server)).events;
    assert.deepEqual(
      [delivered?.status, delivered?.attempts.map((a) => a.statusCode)],
      ['delivered', [503, 503, 503, 200]],
    );
    const audit = await request<{ events: { action: string }[] }>(
      server.url,
      'GET',
      '/v1/audit-events?action=webhook.',
      admin,
    );
    assert.deepEqual(
      audit.body.events.map((e) => e.action),
      ['webhook.redelivery_requested'],
    );
  });

  it('writes no event for a merchant without a webhook URL', async () => {
    await setWebhookUrl(server, null);
    await settledSession(server, phone);

    await server.issuer.deliverWebhooks();

    assert.deepEqual((await events(server)).events, []);
    assert.equal(receiver.received.length, 0);
  });

  it('lists events newest first in pages; refuses a bad cursor, an unknown merchant or event', async () => {
    for (let i = 0; i < 3; i++) {
      const session = await createSession(server.url);
      await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
        token: DEMO.secretKey,
      });
    }

    const first = await events(server, '?limit=2');
    const next = await events(server, `?limit=2&cursor=${first.nextCursor ?? ''}`);
    const badCursor = await request(
      server.url,
      'GET',
      `/v1/merchants/${DEMO.merchantId}/webhook-events?cursor=nope`,
      admin,
    );
    const unknown = await request(
      server.url,
      'GET',
      '/v1/merchants/m_nobody/webhook-events',
      admin,
    );
    const noEvent = await request(
      server.url,
      'POST',
      '/v1/webhook-events/evt_nothing/redeliver',
      admin,
    );
    const noAdmin = await request(
      server.url,
      'GET',
      `/v1/merchants/${DEMO.merchantId}/webhook-events`,
      {
        token: DEMO.secretKey,
      },
    );

    const ids = [...first.events, ...next.events].map((e) => e.id);
    assert.equal(ids.length, 3);
    assert.deepEqual(ids, [...ids].sort().reverse());
    assert.equal(next.nextCursor, null);
    assert.equal(errorCodeOf(badCursor.body), 'invalid_request');
    assert.equal(errorCodeOf(unknown.body), 'not_found');
    assert.equal(errorCodeOf(noEvent.body), 'not_found');
    assert.equal(errorCodeOf(noAdmin.body), 'unauthorized');
  });
});

describe('webhook delivery in real time', () => {
  let server: TestIssuer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await WebhookReceiver.start();
    server = await startTestIssuer({ devWebhooks: true, webhookIntervalMs: 200 });
    await setWebhookUrl(server, receiver.url);
  });
  after(async () => {
    await server.dispose();
    await receiver.close();
  });

  it(
    'sends at once after the change, and retries about 10 s after a 500',
    { timeout: 30_000 },
    async () => {
      receiver.answer = (_request, n) => ({ status: n === 0 ? 500 : 204 });
      const session = await createSession(server.url);
      const cancelledAt = Date.now();
      await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
        token: DEMO.secretKey,
      });

      const [first, second] = await receiver.waitFor(2, 20_000);
      if (!first || !second) throw new Error('no webhook');

      assert.ok(first.at - cancelledAt < 1000, `first after ${first.at - cancelledAt} ms`);
      const gap = second.at - first.at;
      assert.ok(gap >= 9_500 && gap <= 12_500, `retry after ${gap} ms`);
      assert.equal(second.headers['webhook-id'], first.headers['webhook-id']);
    },
  );
});

describe('webhook delivery and DNS (SSRF at delivery)', () => {
  const dns = fakeDns({ 'hooks.example': '93.184.216.34' });
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer({ webhookLookup: dns.lookup })));
  after(() => server.dispose());

  it('refuses, without connecting, a host that resolves to a private address at delivery', async () => {
    const set = await setWebhookUrl(server, 'https://hooks.example/dualpay');
    dns.table['hooks.example'] = '10.0.0.5';
    const session = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });

    await server.issuer.deliverWebhooks();

    assert.equal(set.status, 200);
    const [view] = (await events(server)).events;
    assert.equal(view?.status, 'pending');
    assert.equal(view?.attempts[0]?.statusCode, null);
    assert.match(
      view?.attempts[0]?.error ?? '',
      /^refused: hooks\.example resolves to 10\.0\.0\.5/,
    );
  });
});

describe('webhook secrets at rest', () => {
  let server: TestIssuer;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await WebhookReceiver.start();
    server = await startTestIssuer({
      devWebhooks: true,
      keyEncryptionKey: Buffer.alloc(32, 7),
    });
  });
  after(async () => {
    await server.dispose();
    await receiver.close();
  });

  it('seals the secret under the key-encryption key, and still signs with it', async () => {
    const set = await setWebhookUrl(server, receiver.url);
    const [stored] = await server.issuer.store.listWebhookSecrets(DEMO.merchantId);
    const session = await createSession(server.url);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: DEMO.secretKey,
    });
    await server.issuer.deliverWebhooks();
    const [received] = await receiver.waitFor(1);
    if (!received) throw new Error('no webhook');

    assert.match(stored?.secret ?? '', /^enc:v1:/);
    assert.ok(!(stored?.secret ?? '').includes(set.body.webhookSecret ?? 'x'));
    assert.equal(
      verifyWebhook(received.body, received.headers, set.body.webhookSecret ?? '').type,
      'checkout.cancelled',
    );
  });
});
