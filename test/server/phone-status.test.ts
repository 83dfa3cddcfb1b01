/**
 * `GET /v1/handoffs/:code/status`: the phone page polls it while it waits, so it learns within
 * seconds that the shop cancelled or the session ended — without a tap, without writing anything
 * for its own payment, and answering every other caller like any phone step on a code that is not
 * theirs (404, a miss).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { generateHandoffCode } from '../../src/protocol/index.js';
import { DEFAULT_RATE_LIMITS } from '../../src/server/index.js';
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

const answer = (result: HttpResult) => `${result.status} ${errorCodeOf(result.body) ?? ''}`.trim();

describe('GET /v1/handoffs/:code/status', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  beforeEach(async () => {
    clock.now = Date.now();
    server = await startTestIssuer({ now: () => clock.now });
  });
  afterEach(() => server.dispose());

  /** A session claimed by `phone`, by hand-off code. */
  async function claimed(phone: Phone) {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const claim = await phone.claim(handoff.code);
    assert.equal(claim.status, 200);
    return { session, handoff, userCode: claim.body.code };
  }

  it('answers the claiming phone {status: "claimed"} while the payment waits, by hand-off or user code', async () => {
    const phone = new Phone(server.url);
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const claim = await phone.claim(handoff.userCode);
    assert.equal(claim.status, 200);

    const byUserCode = await phone.status(claim.body.code);
    const byHandoffCode = await phone.status(handoff.code);

    assert.equal(byUserCode.status, 200);
    assert.deepEqual(byUserCode.body, { status: 'claimed' });
    assert.deepEqual(byHandoffCode.body, { status: 'claimed' });
    assert.equal(byUserCode.headers.get('cache-control'), 'no-store');
  });

  it('says the shop cancelled, with session_cancelled', async () => {
    const phone = new Phone(server.url);
    const { session, handoff } = await claimed(phone);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: session.clientSecret,
    });

    const status = await phone.status(handoff.code);

    assert.equal(status.status, 200);
    assert.equal(status.body.status, 'cancelled');
    assert.equal(status.body.error?.code, 'session_cancelled');
  });

  it('tells a wrong number (binding_mismatch) from a settled payment', async () => {
    const mismatched = new Phone(server.url);
    const first = await claimed(mismatched);
    const right = (await publicSession(server.url, first.session)).body.bindingCode;
    const wrong = String((Number(right) + 1) % 100).padStart(2, '0');
    await mismatched.authenticationOptions(first.handoff.code, wrong);
    const payer = new Phone(server.url);
    await payer.enrol();
    const second = await claimed(payer);
    const number = (await publicSession(server.url, second.session)).body.bindingCode;
    assert.equal((await payer.pay(second.handoff.code, number)).status, 200);

    const failed = await mismatched.status(first.handoff.code);
    const settled = await payer.status(second.userCode);

    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.error?.code, 'binding_mismatch');
    assert.deepEqual(settled.body, { status: 'settled' });
  });

  it('says expired once the session is past its deadline, before the sweeper runs', async () => {
    const phone = new Phone(server.url);
    const { session, handoff } = await claimed(phone);

    clock.now = Date.parse(session.expiresAt);
    const status = await phone.status(handoff.code);

    assert.equal(status.body.status, 'expired');
    assert.equal(status.body.error?.code, 'session_expired');
  });

  it('writes nothing for the claiming phone, however often it asks', async () => {
    const phone = new Phone(server.url);
    const { session, handoff } = await claimed(phone);
    await request(server.url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, {
      token: session.clientSecret,
    });
    const before = (await server.issuer.store.listAudit()).length;

    for (let i = 0; i < 20; i++) assert.equal((await phone.status(handoff.code)).status, 200);

    assert.equal((await server.issuer.store.listAudit()).length, before);
  });

  it('answers another phone, no cookie and an unknown code alike: 404 not_found, and spends a miss', async () => {
    const owner = new Phone(server.url);
    const { handoff } = await claimed(owner);
    const stranger = new Phone(server.url);
    await claimed(stranger);

    const foreign = await stranger.status(handoff.code);
    const unknown = await stranger.status(generateHandoffCode());
    const noCookie = await new Phone(server.url).status(handoff.code);
    const misses: HttpResult[] = [];
    for (let i = 3; i < DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
      misses.push(await stranger.status(generateHandoffCode()));
    }
    const over = await stranger.status(handoff.code);

    assert.equal(answer(foreign), '404 not_found');
    assert.deepEqual(foreign.body, unknown.body);
    assert.deepEqual(noCookie.body, unknown.body);
    assert.ok(misses.every((result) => answer(result) === '404 not_found'));
    assert.equal(answer(over), '429 rate_limited');
  });

  it('refuses a cross-site request with 403 origin_not_allowed before spending a miss', async () => {
    const phone = new Phone(server.url);
    const { handoff } = await claimed(phone);

    const crossSite: HttpResult[] = [];
    for (let i = 0; i <= DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
      crossSite.push(await phone.status(generateHandoffCode(), { 'sec-fetch-site': 'cross-site' }));
    }
    const foreignOrigin = await phone.status(handoff.code, { origin: 'https://evil.example' });
    const own = await phone.status(handoff.code);

    assert.ok(crossSite.every((result) => answer(result) === '403 origin_not_allowed'));
    assert.equal(answer(foreignOrigin), '403 origin_not_allowed');
    assert.deepEqual(own.body, { status: 'claimed' });
  });
});
