/**
 * Web Push through HTTP: the VAPID key, subscribing from an enrolment and after a payment (and
 * every way that is refused), and one message per subscription after every attempt in which a
 * card was identified, decrypted at a local push endpoint to exactly the documented payload.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { ALLOW_ALL_POLICY, DEMO, type StartIssuerOptions } from '../../src/server/index.js';
import type { PushDeliveryResult } from '../../src/server/push/notifier.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from './support/harness.js';
import { BrowserPushKeys, LocalPushService } from './support/push-service.js';

const GENEROUS = { perMinute: 100_000, burst: 100_000 };
const MINUTE = 60_000;

interface World {
  server: TestIssuer;
  push: LocalPushService;
  /** Moves the issuer's clock forward. */
  advance(ms: number): void;
  deliveries: PushDeliveryResult[];
}

async function startWorld(options: Partial<StartIssuerOptions> = {}): Promise<World> {
  const push = await LocalPushService.start();
  let offset = 0;
  const deliveries: PushDeliveryResult[] = [];
  const server = await startTestIssuer({
    devPush: true,
    policy: ALLOW_ALL_POLICY,
    now: () => Date.now() + offset,
    rateLimits: { pushSubscribe: GENEROUS, codeMiss: GENEROUS, enrollment: GENEROUS },
    push: { retryDelayMs: 20, onDelivery: (result) => deliveries.push(result) },
    ...options,
  });
  return { server, push, advance: (ms) => (offset += ms), deliveries };
}

async function stopWorld(world: World): Promise<void> {
  await world.server.dispose();
  await world.push.close();
}

/** Enrols `phone`'s card for the demo payer; answers the (now spent) enrolment code. */
async function enrolWithCode(server: TestIssuer, phone: Phone): Promise<string> {
  const enrollment = await request<{ code: string }>(
    server.url,
    'POST',
    `/v1/accounts/${DEMO.accountId}/enrollments`,
    { token: DEMO.adminKey },
  );
  const { code } = enrollment.body;
  const options = await phone.post<PublicKeyCredentialCreationOptionsJSON>(
    `/v1/enrollments/${code}/registration-options`,
  );
  const response = await phone.card.createCredential(options.body, { origin: phone.origin });
  const verified = await phone.post(`/v1/enrollments/${code}/verify`, { response });
  assert.equal(verified.status, 200);
  return code;
}

const subscribeAtEnrolment = (phone: Phone, code: string, subscription: unknown) =>
  phone.post(`/v1/enrollments/${code}/push-subscription`, { subscription });

const subscribeAfterPayment = (phone: Phone, code: string, subscription: unknown) =>
  phone.post(`/v1/handoffs/${code}/push-subscription`, { subscription });

/** A session claimed by `phone`; answers its hand-off code and binding number. */
async function claimed(server: TestIssuer, phone: Phone, overrides = {}) {
  const session = await createSession(server.url, overrides);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await createHandoff(server.url, session);
  assert.equal((await phone.claim(handoff.code)).status, 200);
  return { session, code: handoff.code, bindingCode: view.bindingCode };
}

/** Pays with `phone`; answers the session, its hand-off code and the confirm answer. */
async function pay(server: TestIssuer, phone: Phone, overrides = {}) {
  const { session, code, bindingCode } = await claimed(server, phone, overrides);
  const options = await phone.authenticationOptions(code, bindingCode);
  const result = await phone.confirm(code, await phone.assert(options.body));
  return { session, code, result };
}

const admin = (server: TestIssuer, method: string, path: string, body?: unknown) =>
  request(server.url, method, path, { token: DEMO.adminKey, ...(body ? { body } : {}) });

function assertCode(result: HttpResult, status: number, code: string, label = ''): void {
  assert.equal(result.status, status, `${label} ${JSON.stringify(result.body)}`);
  assert.equal(errorCodeOf(result.body), code, label);
}

describe('GET /v1/push/vapid-public-key', () => {
  let world: World;
  before(async () => (world = await startWorld()));
  after(() => stopWorld(world));

  it('answers the uncompressed P-256 point, the same on every call', async () => {
    const first = await request<{ publicKey: string }>(
      world.server.url,
      'GET',
      '/v1/push/vapid-public-key',
    );
    const second = await request<{ publicKey: string }>(
      world.server.url,
      'GET',
      '/v1/push/vapid-public-key',
    );

    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), ['publicKey']);
    assert.match(first.body.publicKey, /^[A-Za-z0-9_-]{87}$/);
    const point = Buffer.from(first.body.publicKey, 'base64url');
    assert.equal(point.length, 65);
    assert.equal(point[0], 4);
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(second.body.publicKey, first.body.publicKey);
  });
});

describe('POST /v1/enrollments/:code/push-subscription', () => {
  let world: World;
  let phone: Phone;
  let code: string;
  before(async () => {
    world = await startWorld();
    phone = new Phone(world.server.url);
    code = await enrolWithCode(world.server, phone);
  });
  after(() => stopWorld(world));

  it('subscribes the enrolled account with 201, once per endpoint', async () => {
    const { subscription } = world.push.subscribe();

    const first = await subscribeAtEnrolment(phone, code, subscription);
    const again = await subscribeAtEnrolment(phone, code, subscription);

    assert.equal(first.status, 201);
    assert.deepEqual(first.body, { status: 'subscribed' });
    assert.equal(again.status, 201);
    const stored = await world.server.issuer.store.listPushSubscriptions(DEMO.accountId);
    assert.equal(stored.filter((s) => s.endpoint === subscription.endpoint).length, 1);
  });

  it('refuses a code whose card is not enrolled yet', async () => {
    const fresh = await admin(world.server, 'POST', `/v1/accounts/${DEMO.accountId}/enrollments`);
    const { subscription } = world.push.subscribe();

    const result = await subscribeAtEnrolment(
      phone,
      (fresh.body as { code: string }).code,
      subscription,
    );

    assertCode(result, 409, 'push_subscription_not_allowed');
  });

  it('refuses an unknown code, and a request from another origin', async () => {
    const { subscription } = world.push.subscribe();

    assertCode(await subscribeAtEnrolment(phone, 'A'.repeat(24), subscription), 404, 'not_found');
    const crossSite = await request(
      world.server.url,
      'POST',
      `/v1/enrollments/${code}/push-subscription`,
      { body: { subscription }, headers: { origin: 'https://evil.example' } },
    );
    assertCode(crossSite, 403, 'origin_not_allowed');
  });

  it('refuses subscriptions whose keys are not what a browser sends', async () => {
    const keys = new BrowserPushKeys();
    const good = keys.subscription(`${world.push.origin}/push/x`);
    const offCurve = Buffer.from(keys.publicKey);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const cases: [string, unknown][] = [
      [
        'p256dh of 64 bytes',
        {
          ...good,
          keys: { ...good.keys, p256dh: keys.publicKey.subarray(1).toString('base64url') },
        },
      ],
      [
        'p256dh off the curve',
        { ...good, keys: { ...good.keys, p256dh: offCurve.toString('base64url') } },
      ],
      [
        'p256dh compressed',
        {
          ...good,
          keys: {
            ...good.keys,
            p256dh: Buffer.concat([
              Buffer.from([2]),
              keys.publicKey.subarray(1, 33),
              Buffer.alloc(32),
            ]).toString('base64url'),
          },
        },
      ],
      [
        'auth of 15 bytes',
        { ...good, keys: { ...good.keys, auth: keys.auth.subarray(1).toString('base64url') } },
      ],
      ['auth padded', { ...good, keys: { ...good.keys, auth: `${good.keys.auth}==` } }],
      [
        'auth in standard base64',
        {
          ...good,
          keys: {
            ...good.keys,
            auth: keys.auth
              .toString('base64')
              .replace(/=+$/, '')
              .replace(/[A-Za-z0-9]/, '+'),
          },
        },
      ],
      ['an unknown key field', { ...good, keys: { ...good.keys, extra: 'x' } }],
      ['an unknown field', { ...good, options: {} }],
      ['expirationTime as text', { ...good, expirationTime: 'soon' }],
      ['no keys', { endpoint: good.endpoint }],
      ['endpoint not text', { ...good, endpoint: 42 }],
    ];
    for (const [label, subscription] of cases) {
      assertCode(
        await subscribeAtEnrolment(phone, code, subscription),
        400,
        'invalid_request',
        label,
      );
    }
    const extra = await phone.post(`/v1/enrollments/${code}/push-subscription`, {
      subscription: good,
      account: 'acct_other',
    });
    assertCode(extra, 400, 'invalid_request', 'an unknown body field');
    for (const expirationTime of [null, 1_900_000_000_000]) {
      const ok = world.push.subscribe().subscription;
      const result = await subscribeAtEnrolment(phone, code, { ...ok, expirationTime });
      assert.equal(result.status, 201, `expirationTime ${expirationTime}`);
    }
  });

  it('refuses the code 15 minutes after the card was saved', async () => {
    const late = await startWorld();
    try {
      const latePhone = new Phone(late.server.url);
      const lateCode = await enrolWithCode(late.server, latePhone);
      late.advance(15 * MINUTE + 1000);

      const result = await subscribeAtEnrolment(
        latePhone,
        lateCode,
        late.push.subscribe().subscription,
      );

      assertCode(result, 409, 'push_subscription_not_allowed');
    } finally {
      await stopWorld(late);
    }
  });
});

describe('push endpoints the issuer refuses (no SSRF)', () => {
  let strict: World;
  let dev: World;
  let strictPhone: Phone;
  let devPhone: Phone;
  let strictCode: string;
  let devCode: string;
  before(async () => {
    strict = await startWorld({ devPush: false });
    dev = await startWorld();
    strictPhone = new Phone(strict.server.url);
    devPhone = new Phone(dev.server.url);
    strictCode = await enrolWithCode(strict.server, strictPhone);
    devCode = await enrolWithCode(dev.server, devPhone);
  });
  after(async () => {
    await stopWorld(strict);
    await stopWorld(dev);
  });

  const keys = new BrowserPushKeys();
  const refused = [
    'http://push.example.com/send/1',
    'http://127.0.0.1:9/push/x',
    'https://localhost/push/x',
    'https://push.localhost/x',
    'https://127.0.0.1/x',
    'https://10.1.2.3/x',
    'https://172.16.0.9/x',
    'https://192.168.1.1/x',
    'https://100.64.0.1/x',
    'https://169.254.169.254/latest/meta-data',
    'https://0.0.0.0/x',
    'https://224.0.0.1/x',
    'https://255.255.255.255/x',
    'https://0x7f.1/x',
    'https://2130706433/x',
    'https://[::1]/x',
    'https://[::]/x',
    'https://[fe80::1]/x',
    'https://[fd12:3456:789a::1]/x',
    'https://[fc00::1]/x',
    'https://[ff02::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[::ffff:10.0.0.1]/x',
    'https://[::ffff:169.254.169.254]/x',
    'https://[2002:a00:1::]/x',
    'https://[64:ff9b::a00:1]/x',
    'https://[2001:db8::1]/x',
    'https://intranet/x',
    'https://push.internal/x',
    'https://printer.local/x',
    'https://router.home.arpa/x',
    'https://push.example.com:8443/x',
    'https://user:pass@push.example.com/x',
    'https://push.example.com/x#fragment',
    'ftp://push.example.com/x',
    'not a url',
    `https://push.example.com/${'x'.repeat(2100)}`,
  ];

  it('refuses private, loopback, link-local, ULA, mapped and special-use endpoints without --dev-push', async () => {
    for (const endpoint of refused) {
      const result = await subscribeAtEnrolment(
        strictPhone,
        strictCode,
        keys.subscription(endpoint),
      );
      const expected = endpoint.length > 2048 ? 'invalid_request' : 'push_endpoint_not_allowed';
      assertCode(
        result,
        expected === 'invalid_request' ? 400 : 422,
        expected,
        endpoint.slice(0, 60),
      );
    }
    assert.deepEqual(await strict.server.issuer.store.listPushSubscriptions(DEMO.accountId), []);
  });

  it('accepts public https endpoints on port 443', async () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAA',
      'https://web.push.apple.com/QGuQyavXutnMH',
      'https://push.example.com:443/x',
      'https://8.8.8.8/x',
      'https://[2606:4700::1111]/x',
    ]) {
      const result = await subscribeAtEnrolment(
        strictPhone,
        strictCode,
        keys.subscription(endpoint),
      );
      assert.equal(result.status, 201, endpoint);
    }
  });

  it('with --dev-push accepts http on loopback, and still refuses private networks', async () => {
    for (const endpoint of [
      'http://127.0.0.1:9/push/a',
      'http://localhost:9/push/b',
      'http://[::1]:9/c',
    ]) {
      assert.equal(
        (await subscribeAtEnrolment(devPhone, devCode, keys.subscription(endpoint))).status,
        201,
        endpoint,
      );
    }
    for (const endpoint of [
      'http://10.0.0.1/x',
      'http://push.example.com/x',
      'https://192.168.1.1/x',
    ]) {
      assertCode(
        await subscribeAtEnrolment(devPhone, devCode, keys.subscription(endpoint)),
        422,
        'push_endpoint_not_allowed',
        endpoint,
      );
    }
  });

  it('refuses --dev-push for an issuer whose public URL is not loopback', async () => {
    await assert.rejects(
      startTestIssuer({ devPush: true, publicUrl: 'https://pay.example' }),
      /loopback only/,
    );
  });
});

describe('POST /v1/handoffs/:code/push-subscription', () => {
  let world: World;
  let phone: Phone;
  before(async () => {
    world = await startWorld();
    phone = new Phone(world.server.url);
    await phone.enrol();
  });
  after(() => stopWorld(world));

  it('subscribes the account whose card approved the payment', async () => {
    const { code, result } = await pay(world.server, phone);
    assert.equal(result.status, 200);
    const { subscription } = world.push.subscribe();

    const answer = await subscribeAfterPayment(phone, code, subscription);

    assert.equal(answer.status, 201);
    const stored = await world.server.issuer.store.listPushSubscriptions(DEMO.accountId);
    assert.ok(stored.some((s) => s.endpoint === subscription.endpoint));
  });

  it('answers 404 without the cookie that claimed the payment, or for a wrong code', async () => {
    const { code } = await pay(world.server, phone);
    const { subscription } = world.push.subscribe();
    const stranger = new Phone(world.server.url);
    const noCookie = await request(
      world.server.url,
      'POST',
      `/v1/handoffs/${code}/push-subscription`,
      {
        body: { subscription },
        headers: { origin: phone.origin },
      },
    );

    assertCode(
      await subscribeAfterPayment(stranger, code, subscription),
      404,
      'not_found',
      'another phone',
    );
    assertCode(noCookie, 404, 'not_found', 'no cookie');
    assertCode(
      await subscribeAfterPayment(phone, 'B'.repeat(24), subscription),
      404,
      'not_found',
      'unknown code',
    );
    assertCode(
      await subscribeAfterPayment(phone, 'not-a-code!', subscription),
      404,
      'not_found',
      'malformed',
    );
  });

  it('refuses a payment that has not ended, or ended without an identified card', async () => {
    const { subscription } = world.push.subscribe();
    const live = await claimed(world.server, phone);
    assertCode(
      await subscribeAfterPayment(phone, live.code, subscription),
      409,
      'push_subscription_not_allowed',
      'claimed',
    );

    const declined = await claimed(world.server, phone);
    assert.equal((await phone.decline(declined.code)).status, 200);
    assertCode(
      await subscribeAfterPayment(phone, declined.code, subscription),
      409,
      'push_subscription_not_allowed',
      'declined',
    );

    const mismatch = await claimed(world.server, phone);
    const wrong = String((Number(mismatch.bindingCode) + 1) % 100).padStart(2, '0');
    assert.equal((await phone.authenticationOptions(mismatch.code, wrong)).status, 422);
    assertCode(
      await subscribeAfterPayment(phone, mismatch.code, subscription),
      409,
      'push_subscription_not_allowed',
      'binding mismatch',
    );
  });

  it('subscribes after a refusal that identified the card (monthly limit)', async () => {
    assert.equal(
      (await admin(world.server, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { monthlyLimit: 100 }))
        .status,
      200,
    );
    try {
      const { code, result } = await pay(world.server, phone);
      assertCode(result, 422, 'limit_exceeded');

      const answer = await subscribeAfterPayment(phone, code, world.push.subscribe().subscription);

      assert.equal(answer.status, 201);
    } finally {
      await admin(world.server, 'PATCH', `/v1/accounts/${DEMO.accountId}`, {
        monthlyLimit: 1_000_000,
      });
    }
  });

  it('refuses 15 minutes after the payment ended', async () => {
    const { code } = await pay(world.server, phone);
    world.advance(15 * MINUTE + 1000);

    const answer = await subscribeAfterPayment(phone, code, world.push.subscribe().subscription);

    assertCode(answer, 409, 'push_subscription_not_allowed');
  });

  it('refuses while the account is frozen', async () => {
    const { code } = await pay(world.server, phone);
    await admin(world.server, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { frozen: true });
    try {
      const answer = await subscribeAfterPayment(phone, code, world.push.subscribe().subscription);
      assertCode(answer, 409, 'push_subscription_not_allowed');
    } finally {
      await admin(world.server, 'PATCH', `/v1/accounts/${DEMO.accountId}`, { frozen: false });
    }
  });
});
