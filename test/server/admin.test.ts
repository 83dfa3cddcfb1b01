/**
 * The admin API: accounts (ID check, search, freeze, limit), cards (revoke), merchants (changes,
 * key rolls), admin keys with labels, the console's session, and the audit log that records each
 * change with the operator's label.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Account, AuditEventPage, MerchantView } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';

const admin = { token: DEMO.adminKey };

async function newAccount(server: TestIssuer, body: Record<string, unknown> = {}) {
  const created = await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
    ...admin,
    body: { displayName: 'Kim Minji', monthlyLimit: 100_000, ...body },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

async function account(server: TestIssuer, id: string): Promise<Account> {
  return (await request<Account>(server.url, 'GET', `/v1/accounts/${id}`, admin)).body;
}

/** Claims a session and asks for a challenge: a payment on its way, not yet confirmed. */
async function onItsWay(server: TestIssuer, phone: Phone, overrides: Record<string, unknown> = {}) {
  const session = await createSession(server.url, overrides);
  const handoff = await createHandoff(server.url, session);
  const bindingCode = (await server.issuer.store.getSession(session.id))?.bindingCode ?? '';
  await phone.claim(handoff.code);
  const options = await phone.authenticationOptions(handoff.code, bindingCode);
  const assertion = await phone.assert(options.body);
  return { session, confirm: () => phone.confirm(handoff.code, assertion) };
}

describe('admin API: accounts and cards', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer({
      exchangeRates: { base: 'KRW', rates: { USD: 1380 } },
    });
  });
  after(() => server.dispose());

  it('records the ID check (the number ending only) and who made it', async () => {
    const id = await newAccount(server, {
      idCheck: { documentType: 'passport', numberEnding: '4821', note: 'Seen at desk 1' },
    });
    const wholeNumber = await request(server.url, 'POST', '/v1/accounts', {
      ...admin,
      body: {
        displayName: 'X',
        idCheck: { documentType: 'passport', numberEnding: 'M12345678' },
      },
    });

    const view = await account(server, id);

    assert.deepEqual(
      { ...view.idCheck, checkedAt: undefined },
      {
        documentType: 'passport',
        numberEnding: '4821',
        note: 'Seen at desk 1',
        checkedBy: 'demo',
        checkedAt: undefined,
      },
    );
    assert.equal(errorCodeOf(wholeNumber.body), 'invalid_request');
  });

  it('lists accounts newest first, and finds them by id prefix or any part of the name', async () => {
    const first = await newAccount(server, { displayName: 'Park Jiwoo' });
    const second = await newAccount(server, { displayName: 'PARK Seoyeon' });

    const all = await request<{ accounts: Account[] }>(server.url, 'GET', '/v1/accounts', admin);
    const park = await request<{ accounts: Account[] }>(
      server.url,
      'GET',
      '/v1/accounts?query=park',
      admin,
    );
    const demo = await request<{ accounts: Account[] }>(
      server.url,
      'GET',
      `/v1/accounts?query=${DEMO.accountId}`,
      admin,
    );
    const bad = await request(server.url, 'GET', '/v1/accounts?limit=0', admin);

    assert.deepEqual(
      park.body.accounts.map((a) => a.id),
      [second, first],
    );
    assert.ok(
      all.body.accounts.findIndex((a) => a.id === second) <
        all.body.accounts.findIndex((a) => a.id === first),
    );
    assert.deepEqual(
      demo.body.accounts.map((a) => a.displayName),
      ['Demo Payer'],
    );
    assert.equal(errorCodeOf(bad.body), 'invalid_request');
  });

  it('revokes a card: its payment already on its way is refused, and so is the next', async () => {
    const id = await newAccount(server);
    const phone = new Phone(server.url);
    const cardId = await phone.enrol(id);
    const pending = await onItsWay(server, phone);

    const revoked = await request<{ status: string; revokedAt: string }>(
      server.url,
      'POST',
      `/v1/cards/${cardId}/revoke`,
      admin,
    );
    const refused = await pending.confirm();
    const next = await onItsWay(server, phone);
    const refusedAgain = await next.confirm();
    const again = await request<{ revokedAt: string }>(
      server.url,
      'POST',
      `/v1/cards/${cardId}/revoke`,
      admin,
    );

    assert.equal(revoked.body.status, 'revoked');
    assert.equal(errorCodeOf(refused.body), 'authentication_failed');
    assert.equal(errorCodeOf(refusedAgain.body), 'authentication_failed');
    assert.equal(again.body.revokedAt, revoked.body.revokedAt);
    assert.deepEqual(
      (await account(server, id)).cards.map((card) => card.status),
      ['revoked'],
    );
    assert.equal(
      (await server.issuer.store.listLedgerEntries({ sessionId: pending.session.id })).length,
      0,
    );
  });

  it('freezes an account: every payment is refused, in every currency, also one on its way', async () => {
    const id = await newAccount(server);
    const phone = new Phone(server.url);
    await phone.enrol(id);
    const pending = await onItsWay(server, phone);

    const frozen = await request<Account>(server.url, 'PATCH', `/v1/accounts/${id}`, {
      ...admin,
      body: { frozen: true },
    });
    const onTheWay = await pending.confirm();
    const won = await (await onItsWay(server, phone, { currency: 'KRW' })).confirm();
    const dollars = await (
      await onItsWay(server, phone, { currency: 'USD', amount: 100 })
    ).confirm();
    await request(server.url, 'PATCH', `/v1/accounts/${id}`, { ...admin, body: { frozen: false } });
    const thawed = await (await onItsWay(server, phone)).confirm();

    assert.equal(frozen.body.frozen, true);
    assert.deepEqual(
      [onTheWay, won, dollars].map((result) => errorCodeOf(result.body)),
      ['account_frozen', 'account_frozen', 'account_frozen'],
    );
    assert.equal(thawed.status, 200);
    assert.equal((await account(server, id)).usedThisMonth, 1500);
  });

  it('changes the name and the limit, refusing bad values with a code', async () => {
    const id = await newAccount(server);

    const changed = await request<Account>(server.url, 'PATCH', `/v1/accounts/${id}`, {
      ...admin,
      body: { displayName: 'Kim Minji (work)', monthlyLimit: 0 },
    });
    const negative = await request(server.url, 'PATCH', `/v1/accounts/${id}`, {
      ...admin,
      body: { monthlyLimit: -1 },
    });
    const unknown = await request(server.url, 'PATCH', '/v1/accounts/acct_missing', {
      ...admin,
      body: { frozen: true },
    });

    assert.deepEqual(
      [changed.body.displayName, changed.body.monthlyLimit],
      ['Kim Minji (work)', 0],
    );
    assert.equal(errorCodeOf(negative.body), 'invalid_request');
    assert.equal(errorCodeOf(unknown.body), 'not_found');
  });
});

describe('admin API: merchants', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  async function newMerchant(name: string) {
    return request<{ id: string; secretKey: string }>(server.url, 'POST', '/v1/merchants', {
      ...admin,
      body: { name, allowedOrigins: ['https://shop.example'] },
    });
  }

  it('changes a merchant, refusing a name another merchant has', async () => {
    const { body } = await newMerchant('Corner Bakery');

    const changed = await request<MerchantView>(server.url, 'PATCH', `/v1/merchants/${body.id}`, {
      ...admin,
      body: { allowedOrigins: ['https://bakery.example'], mode: 'live' },
    });
    const taken = await request(server.url, 'PATCH', `/v1/merchants/${body.id}`, {
      ...admin,
      body: { name: 'dualpay demo shop' },
    });

    assert.deepEqual(changed.body, {
      id: body.id,
      name: 'Corner Bakery',
      mode: 'live',
      allowedOrigins: ['https://bakery.example'],
      webhookUrl: null,
    });
    assert.equal(errorCodeOf(taken.body), 'merchant_name_taken');
  });

  it('rolls a secret key: the new one works at once, the old one until its overlap ends', async () => {
    const { body } = await newMerchant('Noodle Bar');
    const works = async (key: string) =>
      (
        await request(server.url, 'POST', '/v1/checkout-sessions', {
          token: key,
          headers: { 'idempotency-key': `k-${Math.random()}` },
          body: { amount: 100, currency: 'KRW', orderId: 'o' },
        })
      ).status;

    const rolled = await request<{ secretKey: string; previousKeyExpiresAt: string }>(
      server.url,
      'POST',
      `/v1/merchants/${body.id}/roll-secret-key`,
      { ...admin, body: { expiresInSeconds: 3600 } },
    );
    const during = [await works(body.secretKey), await works(rolled.body.secretKey)];
    const again = await request<{ secretKey: string }>(
      server.url,
      'POST',
      `/v1/merchants/${body.id}/roll-secret-key`,
      admin,
    );
    const after = [
      await works(body.secretKey),
      await works(rolled.body.secretKey),
      await works(again.body.secretKey),
    ];
    const view = await request<MerchantView>(server.url, 'GET', `/v1/merchants/${body.id}`, admin);

    assert.equal(rolled.status, 201);
    assert.deepEqual(during, [201, 201]);
    assert.deepEqual(after, [401, 401, 201]);
    assert.deepEqual(
      view.body.secretKeys?.map((key) => key.expiresAt),
      [null],
    );
    assert.ok(!JSON.stringify(view.body).includes(again.body.secretKey));
  });
});

describe('admin keys and the console session', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  const origin = () => ({ origin: new URL(server.url).origin });

  async function signIn(adminKey: string) {
    const result = await request(server.url, 'POST', '/v1/console/session', {
      headers: origin(),
      body: { adminKey },
    });
    return { ...result, cookie: (result.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
  }

  it('signs in with an admin key for an HttpOnly SameSite=Strict cookie that works like the key', async () => {
    const session = await signIn(DEMO.adminKey);

    const accounts = await request(server.url, 'GET', '/v1/accounts', {
      headers: { cookie: session.cookie },
    });
    const withoutOrigin = await request(server.url, 'PATCH', `/v1/accounts/${DEMO.accountId}`, {
      headers: { cookie: session.cookie },
      body: { monthlyLimit: 1_000_000 },
    });
    const withOrigin = await request(server.url, 'PATCH', `/v1/accounts/${DEMO.accountId}`, {
      headers: { cookie: session.cookie, ...origin() },
      body: { monthlyLimit: 1_000_000 },
    });

    assert.equal(session.status, 201);
    assert.match(session.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    assert.equal(accounts.status, 200);
    assert.equal(errorCodeOf(withoutOrigin.body), 'origin_not_allowed');
    assert.equal(withOrigin.status, 200);
  });

  it('refuses a wrong or a revoked key, and a signed-out cookie replayed', async () => {
    const created = await request<{ id: string; key: string; label: string }>(
      server.url,
      'POST',
      '/v1/admin-keys',
      { ...admin, body: { label: 'desk 7' } },
    );
    const session = await signIn(created.body.key);
    const before = await request(server.url, 'GET', '/v1/console/session', {
      headers: { cookie: session.cookie },
    });
    await request(server.url, 'DELETE', '/v1/console/session', {
      headers: { cookie: session.cookie, ...origin() },
    });
    const replayed = await request(server.url, 'GET', '/v1/accounts', {
      headers: { cookie: session.cookie },
    });
    const second = await signIn(created.body.key);
    await request(server.url, 'POST', `/v1/admin-keys/${created.body.id}/revoke`, admin);

    const revokedKey = await signIn(created.body.key);
    const revokedSession = await request(server.url, 'GET', '/v1/accounts', {
      headers: { cookie: second.cookie },
    });
    const revokedBearer = await request(server.url, 'GET', '/v1/accounts', {
      token: created.body.key,
    });
    const wrong = await signIn('ak_not_a_key_of_this_issuer');

    assert.equal(before.status, 200);
    assert.deepEqual(
      [replayed, revokedKey, revokedSession, revokedBearer, wrong].map((r) => errorCodeOf(r.body)),
      ['unauthorized', 'unauthorized', 'unauthorized', 'unauthorized', 'unauthorized'],
    );
  });

  it('records each change in the audit log with the operator label, readable with filters', async () => {
    const desk = await request<{ key: string }>(server.url, 'POST', '/v1/admin-keys', {
      ...admin,
      body: { label: 'desk 3' },
    });
    const id = (
      await request<{ id: string }>(server.url, 'POST', '/v1/accounts', {
        token: desk.body.key,
        body: { displayName: 'Audit Payer' },
      })
    ).body.id;
    await request(server.url, 'POST', `/v1/accounts/${id}/enrollments`, { token: desk.body.key });
    await request(server.url, 'PATCH', `/v1/accounts/${id}`, {
      token: desk.body.key,
      body: { frozen: true },
    });

    const page = await request<AuditEventPage>(
      server.url,
      'GET',
      `/v1/audit-events?accountId=${id}&limit=2`,
      admin,
    );
    const more = await request<AuditEventPage>(
      server.url,
      'GET',
      `/v1/audit-events?accountId=${id}&limit=2&cursor=${page.body.nextCursor}`,
      admin,
    );
    const badCursor = await request(server.url, 'GET', '/v1/audit-events?cursor=nope', admin);

    assert.deepEqual(
      [...page.body.events, ...more.body.events].map((e) => [e.action, e.actor]),
      [
        ['account.frozen', 'admin:desk 3'],
        ['enrollment.created', 'admin:desk 3'],
        ['account.created', 'admin:desk 3'],
      ],
    );
    assert.equal(more.body.nextCursor, null);
    assert.ok(page.body.events[0]?.ip);
    assert.equal(errorCodeOf(badCursor.body), 'invalid_request');
  });
});
