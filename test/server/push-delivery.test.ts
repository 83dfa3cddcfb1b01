/**
 * Web Push delivery: after a settled and after a refused attempt, each subscription of the payer's
 * account gets one message, which the local push endpoint decrypts (RFC 8291) to exactly the
 * documented payload, with a valid VAPID JWT; 404 and 410 delete a subscription, 500 does not;
 * a push service that never answers does not delay the payment.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { ALLOW_ALL_POLICY, DEMO, type StartIssuerOptions } from '../../src/server/index.js';
import { WebPushNotifier, type PushDeliveryResult } from '../../src/server/push/notifier.js';
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
import { LocalPushService, type ChannelAnswer } from './support/push-service.js';

const GENEROUS = { perMinute: 100_000, burst: 100_000 };

interface World {
  server: TestIssuer;
  push: LocalPushService;
  phone: Phone;
  deliveries: PushDeliveryResult[];
  vapidKey: string;
}

async function startWorld(options: Partial<StartIssuerOptions> = {}): Promise<World> {
  const push = await LocalPushService.start();
  const deliveries: PushDeliveryResult[] = [];
  const server = await startTestIssuer({
    devPush: true,
    policy: ALLOW_ALL_POLICY,
    rateLimits: { pushSubscribe: GENEROUS, codeMiss: GENEROUS, enrollment: GENEROUS },
    push: { retryDelayMs: 20, onDelivery: (result) => deliveries.push(result) },
    ...options,
  });
  const phone = new Phone(server.url);
  await phone.enrol();
  const vapid = await request<{ publicKey: string }>(
    server.url,
    'GET',
    '/v1/push/vapid-public-key',
  );
  return { server, push, phone, deliveries, vapidKey: vapid.body.publicKey };
}

async function stopWorld(world: World): Promise<void> {
  await world.server.dispose();
  await world.push.close();
}

/** Subscribes a new channel of the local push service for the demo payer, through the API. */
async function subscribe(world: World, answer: ChannelAnswer = 201) {
  const channel = world.push.subscribe(answer);
  const enrollment = await request<{ code: string }>(
    world.server.url,
    'POST',
    `/v1/accounts/${DEMO.accountId}/enrollments`,
    { token: DEMO.adminKey },
  );
  const { code } = enrollment.body;
  // A second card enrolled from a second phone: its code subscribes this channel.
  const other = new Phone(world.server.url);
  const options = await other.post<PublicKeyCredentialCreationOptionsJSON>(
    `/v1/enrollments/${code}/registration-options`,
  );
  const response = await other.card.createCredential(options.body, { origin: other.origin });
  assert.equal((await other.post(`/v1/enrollments/${code}/verify`, { response })).status, 200);
  const result = await other.post(`/v1/enrollments/${code}/push-subscription`, {
    subscription: channel.subscription,
  });
  assert.equal(result.status, 201, JSON.stringify(result.body));
  return channel;
}

/** Pays 1500 KRW at the demo shop with the world's phone; answers the session and the answer. */
async function pay(world: World) {
  const session = await createSession(world.server.url);
  const { body: view } = await publicSession(world.server.url, session);
  const handoff = await createHandoff(world.server.url, session);
  assert.equal((await world.phone.claim(handoff.code)).status, 200);
  const options = await world.phone.authenticationOptions(handoff.code, view.bindingCode);
  const result = await world.phone.confirm(handoff.code, await world.phone.assert(options.body));
  return { session, result };
}

const admin = (world: World, method: string, path: string, body?: unknown) =>
  request(world.server.url, method, path, { token: DEMO.adminKey, ...(body ? { body } : {}) });

async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('push messages after identified attempts', () => {
  let world: World;
  before(async () => (world = await startWorld()));
  after(() => stopWorld(world));
  afterEach(() => {
    world.push.received.length = 0;
    world.deliveries.length = 0;
  });

  it('sends one message per subscription after a settlement, decrypting to the documented payload', async () => {
    const first = await subscribe(world);
    const second = await subscribe(world);
    const before = Date.now();

    const { session, result } = await pay(world);

    assert.equal(result.status, 200);
    const received = await world.push.waitFor(2);
    await until(() => world.deliveries.length === 2);
    assert.deepEqual(world.push.rejected, []);
    for (const channel of [first, second]) {
      const messages = world.push.messages(channel.channel);
      assert.equal(messages.length, 1, `one message for ${channel.channel}`);
      const [message] = messages;
      const payload = message?.payload as Record<string, unknown>;
      const at = Date.parse(String(payload.at));
      assert.ok(at >= before - 1 && at <= Date.now(), `at ${payload.at}`);
      assert.equal(new Date(at).toISOString(), payload.at);
      assert.deepEqual(payload, {
        type: 'payment-attempt',
        outcome: 'settled',
        sessionId: session.id,
        noticeToken: payload.noticeToken,
        merchantName: DEMO.merchantName,
        amount: 1500,
        currency: 'KRW',
        at: payload.at,
      });
      assert.match(String(payload.noticeToken), /^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(Object.keys(payload), [
        'type',
        'outcome',
        'sessionId',
        'noticeToken',
        'merchantName',
        'amount',
        'currency',
        'at',
      ]);
      assert.equal(message?.headers['content-encoding'], 'aes128gcm');
      assert.equal(message?.headers.ttl, '86400');
      assert.equal(message?.headers.urgency, 'high');
      assert.equal(message?.vapid.key, world.vapidKey);
      assert.equal(message?.vapid.claims.aud, world.push.origin);
      assert.equal(message?.vapid.claims.sub, 'mailto:push@localhost');
    }
    assert.equal(received.length, 2);
    assert.deepEqual(world.deliveries, ['delivered', 'delivered']);
    const stored = await world.server.issuer.store.listPushSubscriptions(DEMO.accountId);
    assert.ok(stored.every((sub) => sub.lastSuccessAt !== null));
    // Counted in the issuer's metrics too (the first deliveries of this issuer).
    const { body: metrics } = await world.server.issuer.metrics.text();
    assert.match(metrics, /^dualpay_push_deliveries_total\{result="delivered"\} 2$/m);
  });

  it('opens the payment notice only with the message’s token, never by the session id alone', async () => {
    const channel = await subscribe(world);
    const { session } = await pay(world);
    await until(() => world.push.messages(channel.channel).length === 1);
    const [message] = world.push.messages(channel.channel);
    const token = String((message?.payload as Record<string, unknown>).noticeToken);
    const notice = (headers: Record<string, string>) =>
      request<{ sessionId?: string; outcome?: string; error?: { code: string } }>(
        world.server.url,
        'GET',
        `/v1/payment-notices/${session.id}`,
        { headers },
      );

    const shown = await notice({ 'dualpay-notice-token': token });
    const bare = await notice({});
    const wrong = await notice({ 'dualpay-notice-token': `${token.slice(0, 21)}A` });
    const unknown = await request(
      world.server.url,
      'GET',
      '/v1/payment-notices/cs_unknown_session',
    );

    assert.equal(shown.status, 200);
    assert.equal(shown.body.sessionId, session.id);
    assert.equal(shown.body.outcome, 'settled');
    for (const refused of [bare, wrong]) {
      assert.equal(refused.status, 404);
      assert.deepEqual(refused.body, unknown.body);
    }
  });

  it('tells the payer of a refund, once, with its amount and the payment’s notice token', async () => {
    const channel = await subscribe(world);
    const { session } = await pay(world);
    await until(() => world.push.messages(channel.channel).length === 1);

    const refunded = await request(
      world.server.url,
      'POST',
      `/v1/checkout-sessions/${session.id}/refunds`,
      {
        token: DEMO.secretKey,
        headers: { 'idempotency-key': 'push-refund-1' },
        body: { amount: 500 },
      },
    );
    const again = await request(
      world.server.url,
      'POST',
      `/v1/checkout-sessions/${session.id}/refunds`,
      {
        token: DEMO.secretKey,
        headers: { 'idempotency-key': 'push-refund-1' },
        body: { amount: 500 },
      },
    );

    assert.equal(refunded.status, 201);
    assert.deepEqual(again.body, refunded.body);
    await until(() => world.push.messages(channel.channel).length === 2);
    const payload = world.push.messages(channel.channel)[1]?.payload as Record<string, unknown>;
    const first = world.push.messages(channel.channel)[0]?.payload as Record<string, unknown>;
    assert.deepEqual(payload, {
      type: 'refund',
      sessionId: session.id,
      noticeToken: first.noticeToken,
      merchantName: DEMO.merchantName,
      amount: 500,
      currency: 'KRW',
      at: payload.at,
    });
    // The replayed request is not a second refund: no second message.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(world.push.messages(channel.channel).length, 2);
  });

  it('sends the refusal with its reason: monthly limit', async () => {
    const channel = await subscribe(world);
    await admin(world, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { monthlyLimit: 100 });
    try {
      const { session, result } = await pay(world);

      assert.equal(errorCodeOf(result.body), 'limit_exceeded');
      await world.push.waitFor(world.push.received.length || 1);
      await until(() => world.push.messages(channel.channel).length === 1);
      const payload = world.push.messages(channel.channel)[0]?.payload as Record<string, unknown>;
      assert.deepEqual(payload, {
        type: 'payment-attempt',
        outcome: 'refused',
        reason: 'limit_exceeded',
        sessionId: session.id,
        noticeToken: payload.noticeToken,
        merchantName: DEMO.merchantName,
        amount: 1500,
        currency: 'KRW',
        at: payload.at,
      });
      assert.deepEqual(Object.keys(payload).slice(0, 3), ['type', 'outcome', 'reason']);
    } finally {
      await admin(world, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { monthlyLimit: 1_000_000 });
    }
  });

  it('sends the refusal with its reason: account frozen', async () => {
    const channel = await subscribe(world);
    await admin(world, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { frozen: true });
    try {
      const { session, result } = await pay(world);

      assert.equal(errorCodeOf(result.body), 'account_frozen');
      await until(() => world.push.messages(channel.channel).length === 1);
      const payload = world.push.messages(channel.channel)[0]?.payload as Record<string, unknown>;
      assert.equal(payload.outcome, 'refused');
      assert.equal(payload.reason, 'account_frozen');
      assert.equal(payload.sessionId, session.id);
    } finally {
      await admin(world, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { frozen: false });
    }
  });

  it('sends nothing for an attempt whose card was not identified (a declined payment)', async () => {
    await subscribe(world);
    const session = await createSession(world.server.url);
    const handoff = await createHandoff(world.server.url, session);
    await world.phone.claim(handoff.code);
    assert.equal((await world.phone.decline(handoff.code)).status, 200);

    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.push.received.length, 0);
  });
});

describe('what a push service answers', () => {
  let world: World;
  before(async () => (world = await startWorld()));
  after(() => stopWorld(world));

  for (const status of [404, 410]) {
    it(`deletes the subscription on ${status}`, async () => {
      const channel = await subscribe(world, status);
      world.deliveries.length = 0;

      await pay(world);

      await until(() => world.deliveries.includes('gone'));
      const stored = await world.server.issuer.store.listPushSubscriptions(DEMO.accountId);
      assert.ok(!stored.some((sub) => sub.endpoint === channel.subscription.endpoint));
      assert.equal(world.push.messages(channel.channel).length, 1, 'no retry after gone');
      const audit = await world.server.issuer.store.queryAudit({
        action: 'push.subscription.gone',
        limit: 10,
      });
      assert.ok(audit.some((row) => row.accountId === DEMO.accountId));
    });
  }

  it('keeps the subscription on 500, after one retry', async () => {
    const channel = await subscribe(world, 500);
    world.deliveries.length = 0;

    await pay(world);

    await until(() => world.deliveries.includes('failed'));
    assert.equal(world.push.messages(channel.channel).length, 2, 'tried twice');
    const stored = await world.server.issuer.store.listPushSubscriptions(DEMO.accountId);
    assert.ok(stored.some((sub) => sub.endpoint === channel.subscription.endpoint));
    world.push.answer(channel.channel, 201);
  });
});

describe('a push service that never answers', () => {
  let world: World;
  before(async () => (world = await startWorld({ push: { timeoutMs: 60_000 } })));
  after(() => stopWorld(world));

  it('does not delay the payment', async () => {
    const channel = await subscribe(world, 'hang');
    const started = Date.now();

    const { result } = await pay(world);

    const took = Date.now() - started;
    assert.equal(result.status, 200);
    await until(() => world.push.messages(channel.channel).length === 1);
    assert.ok(took < 3000, `the payment took ${took} ms`);
  });
});

describe('a stored endpoint the configuration no longer allows', () => {
  let world: World;
  before(async () => (world = await startWorld({ devPush: false })));
  after(() => stopWorld(world));

  it('is refused at send time and deleted', async () => {
    const now = Date.now();
    // Stored while --dev-push was on (an http loopback endpoint), sent with it off.
    const channel = world.push.subscribe();
    await world.server.issuer.store.savePushSubscription(
      {
        endpoint: channel.subscription.endpoint,
        accountId: DEMO.accountId,
        p256dh: channel.subscription.keys.p256dh,
        auth: channel.subscription.keys.auth,
        createdAt: now,
        updatedAt: now,
        lastSuccessAt: null,
      },
      10,
      { actor: 'test', at: now, action: 'push.subscribed', accountId: DEMO.accountId },
    );

    await pay(world);

    await until(() => world.deliveries.includes('refused'));
    assert.equal(world.push.received.length, 0);
    assert.deepEqual(await world.server.issuer.store.listPushSubscriptions(DEMO.accountId), []);
  });
});

describe('account notices', () => {
  let world: World;
  before(async () => (world = await startWorld()));
  after(() => stopWorld(world));

  it('sends each subscription of the account the notice, with the activation time when given', async () => {
    const first = await subscribe(world);
    const second = await subscribe(world);
    const notifier = new WebPushNotifier({
      store: world.server.issuer.store,
      publicUrl: world.server.url,
      devPush: true,
    });
    try {
      const account = await world.server.issuer.store.getAccount(DEMO.accountId);
      assert.ok(account);
      const at = Date.UTC(2026, 0, 2, 3, 4, 5);
      const activatesAt = at + 72 * 3_600_000;
      await notifier.accountNotice({ type: 'recovery-enrollment', account, at, activatesAt });
      await notifier.accountNotice({ type: 'account-frozen', account, at });

      await world.push.waitFor(4);
      for (const channel of [first, second]) {
        assert.deepEqual(
          world.push.messages(channel.channel).map((message) => message.payload),
          [
            {
              type: 'account-notice',
              notice: 'recovery-enrollment',
              at: '2026-01-02T03:04:05.000Z',
              activatesAt: '2026-01-05T03:04:05.000Z',
            },
            { type: 'account-notice', notice: 'account-frozen', at: '2026-01-02T03:04:05.000Z' },
          ],
        );
      }
      assert.deepEqual(world.push.rejected, []);
    } finally {
      await notifier.close();
    }
  });
});
