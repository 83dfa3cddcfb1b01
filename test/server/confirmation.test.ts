import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimulatedAuthenticator } from '../../src/phone/simulated-authenticator.js';
import type { Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  errorCodeOf,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';

/** A claimed session ready for approval: the phone holds the code and knows the right number. */
async function claimedSession(
  server: TestIssuer,
  phone: Phone,
  overrides: Record<string, unknown> = {},
) {
  const session = await createSession(server.url, overrides);
  const { body: view } = await publicSession(server.url, session);
  const handoff = await createHandoff(server.url, session);
  const claim = await phone.claim(handoff.code);
  assert.equal(claim.status, 200);
  return { session, code: handoff.code, bindingCode: view.bindingCode, claim: claim.body };
}

function wrongNumber(bindingCode: string): string {
  return String((Number(bindingCode) + 1) % 100).padStart(2, '0');
}

async function sessionStatus(server: TestIssuer, session: Session): Promise<string> {
  const result = await request<Session>(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
    token: DEMO.secretKey,
  });
  return result.body.status;
}

describe('enrolment (WebAuthn registration)', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('registers a card with UV required and marks simulated cards as test cards', async () => {
    const phone = new Phone(server.url);

    const cardId = await phone.enrol();

    const cards = await server.issuer.store.listCards(DEMO.accountId);
    const card = cards.find((c) => c.id === cardId);
    assert.ok(card);
    assert.equal(card.test, true);
    assert.equal(card.attestationFormat, 'packed');
    assert.deepEqual(card.transports, ['nfc', 'usb']);
  });

  it('keeps several cards per account', async () => {
    const first = await new Phone(server.url).enrol();
    const second = await new Phone(server.url).enrol();

    const cards = await server.issuer.store.listCards(DEMO.accountId);
    assert.ok(cards.some((c) => c.id === first) && cards.some((c) => c.id === second));
  });

  it('refuses a registration without user verification', async () => {
    const phone = new Phone(server.url);

    await assert.rejects(
      phone.enrol(DEMO.accountId, { userVerified: false }),
      /verify: 422.*authentication_failed/,
    );
  });

  it('refuses a spent enrolment code with enrollment_expired', async () => {
    const phone = new Phone(server.url);
    const { body } = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      {
        token: DEMO.adminKey,
      },
    );
    const options = await phone.post(`/v1/enrollments/${body.code}/registration-options`);
    const response = await phone.card.createCredential(options.body as never, {
      origin: phone.origin,
    });
    const first = await phone.post(`/v1/enrollments/${body.code}/verify`, { response });

    const second = await phone.post(`/v1/enrollments/${body.code}/registration-options`);

    assert.equal(first.status, 200);
    assert.equal(second.status, 410);
    assert.equal((second.body as { error: { code: string } }).error.code, 'enrollment_expired');
  });
});

describe('confirmation (two factors, exactly once)', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('settles a valid approval and returns the token to merchant and page', async () => {
    const { session, code, bindingCode } = await claimedSession(server, phone);

    const options = await phone.authenticationOptions(code, bindingCode);
    const result = await phone.confirm(code, await phone.assert(options.body));

    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'settled');
    const merchantView = await request<Session>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      {
        token: DEMO.secretKey,
      },
    );
    assert.equal(merchantView.body.status, 'settled');
    assert.match(merchantView.body.settlementToken ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const ledger = await server.issuer.store.listLedgerEntries({ sessionId: session.id });
    assert.equal(ledger.length, 1);
    assert.equal(ledger[0]?.amount, 1500);
  });

  it('shows the phone the amount and payee, and never the binding number or choices', async () => {
    const { bindingCode, claim } = await claimedSession(server, phone, {
      amount: 4200,
      description: 'Tea',
    });

    assert.equal(claim.merchantName, 'dualpay Demo Shop');
    assert.equal(claim.amount, 4200);
    assert.equal(claim.description, 'Tea');
    assert.equal(claim.testMode, true);
    assert.ok(!('bindingChoices' in claim));
    assert.ok(!JSON.stringify(claim).includes(`"${bindingCode}"`));
  });

  it('rejects an assertion without user verification (UV flag off)', async () => {
    const { session, code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);

    const result = await phone.confirm(
      code,
      await phone.assert(options.body, { userVerified: false }),
    );

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'authentication_failed');
    assert.equal(await sessionStatus(server, session), 'claimed');
  });

  it('rejects an assertion made for another origin', async () => {
    const { code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);

    const result = await phone.confirm(
      code,
      await phone.assert(options.body, { origin: 'https://evil.example' }),
    );

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'authentication_failed');
  });

  it('rejects an assertion scoped to another RP ID', async () => {
    const { code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);

    const result = await phone.confirm(
      code,
      await phone.assert(options.body, { rpId: 'evil.example' }),
    );

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'authentication_failed');
  });

  it('rejects a reused challenge', async () => {
    const { code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);
    const first = await phone.confirm(
      code,
      await phone.assert(options.body, { userVerified: false }),
    );

    const second = await phone.confirm(code, await phone.assert(options.body));

    assert.equal(first.status, 422);
    // The failed attempt did not spend the challenge; the session's second try with it works.
    assert.equal(second.status, 200);
    const { code: otherCode, bindingCode: otherNumber } = await claimedSession(server, phone);
    await phone.authenticationOptions(otherCode, otherNumber);
    const replayed = await phone.confirm(otherCode, await phone.assert(options.body));
    assert.equal(replayed.status, 422);
    assert.equal(errorCodeOf(replayed.body), 'authentication_failed');
  });

  it('rejects a challenge once it has settled a payment', async () => {
    const { code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);
    const assertion = await phone.assert(options.body);
    assert.equal((await phone.confirm(code, assertion)).status, 200);

    const again = await phone.confirm(code, await phone.assert(options.body));

    assert.equal(again.status, 409);
    assert.equal(errorCodeOf(again.body), 'session_settled');
  });

  it('rejects a signature counter that goes backwards (cloned card)', async () => {
    const { code, bindingCode } = await claimedSession(server, phone);
    const options = await phone.authenticationOptions(code, bindingCode);

    const result = await phone.confirm(code, await phone.assert(options.body, { counter: 1 }));

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'authentication_failed');
  });

  it('fails the session at once on a wrong binding number, before any challenge is issued', async () => {
    const { session, code, bindingCode } = await claimedSession(server, phone);

    const result = await phone.authenticationOptions(code, wrongNumber(bindingCode));
    const retry = await phone.authenticationOptions(code, bindingCode);

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'binding_mismatch');
    assert.equal(errorCodeOf(retry.body), 'session_failed');
    const record = await server.issuer.store.getSession(session.id);
    const view = await server.issuer.checkout.toPublicSession(record!);
    assert.equal(view.status, 'failed');
    assert.equal(view.error?.code, 'binding_mismatch');
  });

  it('moves the session to failed on the fifth failed approval', async () => {
    const { session, code, bindingCode } = await claimedSession(server, phone);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const options = await phone.authenticationOptions(code, bindingCode);
      const bad = await phone.confirm(
        code,
        await phone.assert(options.body, { userVerified: false }),
      );
      codes.push(errorCodeOf(bad.body));
    }

    assert.deepEqual(codes, [
      'authentication_failed',
      'authentication_failed',
      'authentication_failed',
      'authentication_failed',
      'session_failed',
    ]);
    assert.equal(await sessionStatus(server, session), 'failed');
    const locked = await phone.authenticationOptions(code, bindingCode);
    assert.equal(errorCodeOf(locked.body), 'session_failed');
    const audit = await server.issuer.store.listAudit({ sessionId: session.id });
    assert.equal(audit.filter((entry) => entry.action === 'approval.failed').length, 5);
  });

  it('refuses an approval from a card that is not enrolled', async () => {
    const stranger = new Phone(server.url, new SimulatedAuthenticator());
    await stranger.card.createCredential(
      {
        challenge: 'AAAA',
        rp: { id: 'localhost', name: 'x' },
        user: { id: 'AAAA', name: 'x', displayName: 'x' },
        pubKeyCredParams: [],
      },
      { origin: stranger.origin },
    );
    const { code, bindingCode } = await claimedSession(server, stranger);
    const options = await stranger.authenticationOptions(code, bindingCode);

    const result = await stranger.confirm(code, await stranger.assert(options.body));

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'authentication_failed');
  });

  it('lets the payer decline', async () => {
    const { session, code } = await claimedSession(server, phone);

    const result = await phone.decline(code);

    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { status: 'declined' });
    assert.equal(await sessionStatus(server, session), 'declined');
  });

  it('fails with limit_exceeded when the monthly limit would be passed', async () => {
    const { session, code, bindingCode } = await claimedSession(server, phone, {
      amount: 2_000_000,
    });
    const options = await phone.authenticationOptions(code, bindingCode);

    const result = await phone.confirm(code, await phone.assert(options.body));

    assert.equal(result.status, 422);
    assert.equal(errorCodeOf(result.body), 'limit_exceeded');
    assert.equal(await sessionStatus(server, session), 'failed');
    const record = await server.issuer.store.getSession(session.id);
    const view = await server.issuer.checkout.toPublicSession(record!);
    assert.equal(view.error?.code, 'limit_exceeded');
  });
});

describe('test cards and live merchants', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('refuses a simulated card for a live merchant with credential_not_allowed', async () => {
    const phone = new Phone(server.url);
    await phone.enrol();
    const live = await request<{ secretKey: string }>(server.url, 'POST', '/v1/merchants', {
      token: DEMO.adminKey,
      body: { name: 'Live Shop', allowedOrigins: ['https://shop.example'], mode: 'live' },
    });
    const session = await createSession(server.url, {}, live.body.secretKey);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    const claim = await phone.claim(handoff.code);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);

    const result = await phone.confirm(handoff.code, await phone.assert(options.body));

    assert.equal(claim.body.testMode, false);
    assert.match(live.body.secretKey, /^sk_live_/);
    assert.equal(result.status, 403);
    assert.equal(errorCodeOf(result.body), 'credential_not_allowed');
  });
});
