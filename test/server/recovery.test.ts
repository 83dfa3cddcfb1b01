/**
 * Recovery through HTTP (docs/protocol.md "Recovery"): the ten codes that come with an account's
 * first card, a code spent once on a freeze or a recovery enrolment (whose card is pending through
 * the cooling-off), and a second device approved by an active card.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Account, AuditEventPage } from '../../src/protocol/index.js';
import { DEMO, type StartIssuerOptions } from '../../src/server/index.js';
import type { AccountNotice } from '../../src/server/domain/notifier.js';
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

const admin = { token: DEMO.adminKey };
const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
const UNKNOWN_CODE = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ';
const answer = (result: HttpResult) => `${result.status} ${errorCodeOf(result.body) ?? ''}`.trim();

/** What a browser's `PushSubscription.toJSON()` holds: an https endpoint and a P-256 key. */
function browserSubscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/${randomBytes(12).toString('hex')}`,
    keys: {
      p256dh: ecdh.getPublicKey().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
  };
}

describe('recovery', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  const notices: AccountNotice[] = [];
  let noticed: () => void = () => undefined;

  async function start(options: Partial<StartIssuerOptions> = {}) {
    server = await startTestIssuer({
      now: () => clock.now,
      notifier: {
        paymentAttempt: () => undefined,
        accountNotice: (notice) => {
          notices.push(notice);
          noticed();
        },
      },
      ...options,
    });
  }

  /** Resolves once the notifier has heard `count` notices (it is never awaited by the issuer). */
  function noticesHeard(count: number): Promise<AccountNotice[]> {
    return new Promise((resolve) => {
      noticed = () => {
        if (notices.length >= count) resolve(notices);
      };
      noticed();
    });
  }

  beforeEach(async () => {
    clock.now = Date.now();
    notices.length = 0;
    await start();
  });
  afterEach(() => server.dispose());

  async function newAccount(): Promise<string> {
    const created = await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
      ...admin,
      body: { displayName: 'Kim Minji', monthlyLimit: 1_000_000 },
    });
    assert.equal(created.status, 201);
    return created.body.id;
  }

  /** A phone with the account's first card, and the codes it was given. */
  async function payerWithCodes(accountId: string = DEMO.accountId) {
    const phone = new Phone(server.url);
    await phone.enrol(accountId);
    const codes = phone.recoveryCodes ?? [];
    assert.equal(codes.length, 10);
    return { phone, codes };
  }

  async function pay(phone: Phone) {
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    return phone.pay(handoff.code, view.bindingCode);
  }

  async function auditActions(accountId: string): Promise<string[]> {
    const page = await request<AuditEventPage>(
      server.url,
      'GET',
      `/v1/audit-events?accountId=${accountId}&limit=100`,
      admin,
    );
    return page.body.events.map((e) => e.action);
  }

  async function account(id: string): Promise<Account> {
    return (await request<Account>(server.url, 'GET', `/v1/accounts/${id}`, admin)).body;
  }

  /** Approves a second device with `phone`'s card: device-options, the card, device-enrollments. */
  async function approveDevice(phone: Phone) {
    const options = await phone.post<PublicKeyCredentialRequestOptionsJSON>(
      '/v1/recovery/device-options',
      {},
    );
    assert.equal(options.status, 200);
    assert.equal(options.body.allowCredentials, undefined);
    const response = await phone.assert(options.body);
    return phone.post<{ code: string; url: string; expiresAt: string }>(
      '/v1/recovery/device-enrollments',
      { response },
    );
  }

  it('answers ten codes in four groups of four with the first card only', async () => {
    const id = await newAccount();

    const { codes } = await payerWithCodes(id);
    const second = new Phone(server.url);
    await second.enrol(id);

    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, CODE_FORMAT);
    assert.equal(second.recoveryCodes, undefined);
  });

  it('answers codes to one of two first cards enrolled at once, and stores only that set', async () => {
    const id = await newAccount();
    const phones = [new Phone(server.url), new Phone(server.url)];
    const codes = await Promise.all(
      phones.map(async () => {
        const made = await request<{ code: string }>(
          server.url,
          'POST',
          `/v1/accounts/${id}/enrollments`,
          admin,
        );
        return made.body.code;
      }),
    );

    await Promise.all(phones.map((phone, i) => phone.enrolWith(codes[i] ?? '')));

    const given = phones.flatMap((phone) => (phone.recoveryCodes ? [phone.recoveryCodes] : []));
    assert.equal(given.length, 1);
    assert.deepEqual(await server.issuer.store.countRecoveryCodes(id), { issued: 10, unused: 10 });
    const used = await phones[0]?.post('/v1/recovery/freeze', { recoveryCode: given[0]?.[9] });
    assert.equal(used?.status, 200);
  });

  it('spends a code once: 200, then 409 recovery_code_used; unknown 404; bad body 400; foreign Origin 403', async () => {
    const { phone, codes } = await payerWithCodes();
    const code = codes[0] ?? '';

    const first = await phone.post('/v1/recovery/freeze', { recoveryCode: code });
    const again = await phone.post('/v1/recovery/freeze', { recoveryCode: code });
    const asEnrolment = await phone.post('/v1/recovery/enrollments', { recoveryCode: code });
    const unknown = await phone.post('/v1/recovery/freeze', { recoveryCode: UNKNOWN_CODE });
    const malformed = await phone.post('/v1/recovery/freeze', { recoveryCode: 'hello' });
    const missing = await phone.post('/v1/recovery/freeze', {});
    const wrongType = await phone.post('/v1/recovery/enrollments', { recoveryCode: 7 });
    const extra = await phone.post('/v1/recovery/freeze', { recoveryCode: codes[1], x: 1 });
    const foreign = await phone.post(
      '/v1/recovery/freeze',
      { recoveryCode: codes[1] },
      { origin: 'https://evil.example' },
    );

    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { frozen: true });
    assert.equal(answer(again), '409 recovery_code_used');
    assert.equal(answer(asEnrolment), '409 recovery_code_used');
    assert.equal(answer(unknown), '404 not_found');
    assert.equal(answer(malformed), '404 not_found');
    assert.equal(answer(missing), '400 invalid_request');
    assert.equal(answer(wrongType), '400 invalid_request');
    assert.equal(answer(extra), '400 invalid_request');
    assert.equal(answer(foreign), '403 origin_not_allowed');
  });

  it('reads a code as typed: lower case, spaces, no dashes, O for 0 and l for 1', async () => {
    const { phone, codes } = await payerWithCodes();
    const typed = (codes[2] ?? '')
      .toLowerCase()
      .replaceAll('-', ' ')
      .replaceAll('0', 'O')
      .replaceAll('1', 'l');

    const frozen = await phone.post('/v1/recovery/freeze', { recoveryCode: ` ${typed} ` });

    assert.equal(frozen.status, 200);
  });

  it('freezes at once: a payment in flight and a new one are refused with account_frozen', async () => {
    const { phone, codes } = await payerWithCodes();
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    assert.equal((await phone.claim(handoff.code)).status, 200);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);

    const frozen = await phone.post('/v1/recovery/freeze', { recoveryCode: codes[0] });
    const inFlight = await phone.confirm(handoff.code, await phone.assert(options.body));
    const next = await pay(phone);

    assert.equal(frozen.status, 200);
    assert.equal(answer(inFlight), '422 account_frozen');
    assert.equal(answer(next), '422 account_frozen');
    assert.equal((await account(DEMO.accountId)).frozen, true);
    assert.ok((await auditActions(DEMO.accountId)).includes('recovery.freeze'));
    const [notice] = await noticesHeard(1);
    assert.equal(notice?.type, 'account-frozen');
    assert.equal(notice.account.id, DEMO.accountId);
  });

  it("keeps a recovery enrolment's card pending until the cooling-off ends, then it pays", async () => {
    await server.dispose();
    await start({ recoveryCoolingOffSeconds: 3600 });
    const { phone, codes } = await payerWithCodes();
    const made = await phone.post<{
      code: string;
      url: string;
      expiresAt: string;
      activatesAt: string;
    }>('/v1/recovery/enrollments', { recoveryCode: codes[3] });
    assert.equal(made.status, 201);
    assert.equal(made.body.url, `${server.url}/e/${made.body.code}`);
    assert.equal(Date.parse(made.body.activatesAt), clock.now + 3_600_000);
    const replacement = new Phone(server.url);
    const cardId = await replacement.enrolWith(made.body.code);
    // Whoever used the code cannot read the account's payments through notifications before the
    // cooling-off ends; a desk enrolment of the same account, at the same time, can subscribe.
    const earlySubscription = await replacement.post(
      `/v1/enrollments/${made.body.code}/push-subscription`,
      { subscription: browserSubscription() },
    );
    const desk = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      admin,
    );
    const deskPhone = new Phone(server.url);
    await deskPhone.enrolWith(desk.body.code);
    const deskSubscription = await deskPhone.post(
      `/v1/enrollments/${desk.body.code}/push-subscription`,
      { subscription: browserSubscription() },
    );

    const pending = (await account(DEMO.accountId)).cards.find((c) => c.id === cardId);
    const early = await pay(replacement);
    clock.now += 3_600_000;
    const later = await pay(replacement);

    assert.equal(pending?.status, 'pending');
    assert.equal(answer(earlySubscription), '409 push_subscription_not_allowed');
    assert.equal(deskSubscription.status, 201);
    assert.equal(answer(early), '422 authentication_failed');
    assert.equal(later.status, 200);
    assert.equal(replacement.recoveryCodes, undefined);
    assert.ok((await auditActions(DEMO.accountId)).includes('recovery.enrollment'));
    const [notice] = await noticesHeard(1);
    assert.equal(notice?.type, 'recovery-enrollment');
    assert.equal(notice.activatesAt, Date.parse(made.body.activatesAt));
  });

  it('spends a code once when uses race', async () => {
    const { phone, codes } = await payerWithCodes();

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        phone.post(i % 2 ? '/v1/recovery/freeze' : '/v1/recovery/enrollments', {
          recoveryCode: codes[4],
        }),
      ),
    );

    assert.equal(results.filter((r) => r.status < 300).length, 1);
    assert.deepEqual(
      results.filter((r) => r.status >= 300).map(answer),
      Array.from({ length: 5 }, () => '409 recovery_code_used'),
    );
  });

  it('answers 429 rate_limited once the miss budget is spent, before looking the code up', async () => {
    const { phone, codes } = await payerWithCodes();

    const misses = [];
    for (let i = 0; i < 10; i++) {
      misses.push(await phone.post('/v1/recovery/freeze', { recoveryCode: UNKNOWN_CODE }));
    }
    const good = await phone.post('/v1/recovery/freeze', { recoveryCode: codes[5] });

    assert.deepEqual([...new Set(misses.map(answer))], ['404 not_found']);
    assert.equal(answer(good), '429 rate_limited');
    assert.ok(Number(good.headers.get('retry-after')) > 0);
    assert.equal((await account(DEMO.accountId)).frozen, false);
  });

  it('rate-limits uses of codes like user-code claims, misses or not', async () => {
    const { phone, codes } = await payerWithCodes();
    await phone.post('/v1/recovery/freeze', { recoveryCode: codes[6] });

    const used = [];
    for (let i = 0; i < 10; i++) {
      used.push(await phone.post('/v1/recovery/freeze', { recoveryCode: codes[6] }));
    }

    assert.deepEqual(
      [...new Set(used.map(answer))],
      ['409 recovery_code_used', '429 rate_limited'],
    );
  });

  it('enrols a second device approved by an active card, with no cooling-off', async () => {
    const { phone } = await payerWithCodes();

    const made = await approveDevice(phone);
    const second = new Phone(server.url);
    const cardId = await second.enrolWith(made.body.code);
    const paid = await pay(second);

    assert.equal(made.status, 201);
    assert.equal(made.body.url, `${server.url}/e/${made.body.code}`);
    const card = (await account(DEMO.accountId)).cards.find((c) => c.id === cardId);
    assert.equal(card?.status, 'active');
    assert.equal(paid.status, 200);
    assert.ok((await auditActions(DEMO.accountId)).includes('enrollment.device'));
    const [notice] = await noticesHeard(1);
    assert.equal(notice?.type, 'card-added');
  });

  it('refuses a second device for a revoked card, a frozen account or a spent challenge', async () => {
    const { phone, codes } = await payerWithCodes();
    const options = await phone.post<PublicKeyCredentialRequestOptionsJSON>(
      '/v1/recovery/device-options',
    );
    const once = await phone.assert(options.body);
    const twice = await phone.assert(options.body);
    const first = await phone.post('/v1/recovery/device-enrollments', { response: once });
    const replayed = await phone.post('/v1/recovery/device-enrollments', { response: twice });
    await phone.post('/v1/recovery/freeze', { recoveryCode: codes[0] });
    const frozen = await approveDevice(phone);
    const cardId = (await account(DEMO.accountId)).cards[0]?.id ?? '';
    await request(server.url, 'POST', `/v1/cards/${cardId}/revoke`, admin);

    const revoked = await approveDevice(phone);
    const badBody = await phone.post('/v1/recovery/device-enrollments', { response: {} });
    const foreign = await phone.post(
      '/v1/recovery/device-options',
      {},
      { origin: 'https://x.example' },
    );

    assert.equal(first.status, 201);
    assert.equal(answer(replayed), '409 challenge_expired');
    assert.equal(answer(frozen), '422 account_frozen');
    assert.equal(answer(revoked), '422 authentication_failed');
    assert.equal(answer(badBody), '400 invalid_request');
    assert.equal(answer(foreign), '403 origin_not_allowed');
    assert.ok((await auditActions(DEMO.accountId)).includes('enrollment.device.refused'));
  });
});
