import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

describe('concurrent confirmations', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('50 concurrent confirms of one valid assertion settle exactly once', async () => {
    const session = await createSession(server.url, { amount: 700 });
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    await phone.claim(handoff.code);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
    const assertion = await phone.assert(options.body);

    const results = await Promise.all(
      Array.from({ length: 50 }, () => phone.confirm(handoff.code, assertion)),
    );

    const statuses = results.map((result) => result.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, statuses.join(','));
    const losers = results.filter((result) => result.status !== 200);
    for (const loser of losers) {
      const code = errorCodeOf(loser.body);
      assert.ok(
        ['session_settled', 'authentication_failed'].includes(code ?? ''),
        `unexpected ${loser.status} ${code}`,
      );
      assert.ok(loser.status === 409 || loser.status === 422);
    }
    const ledger = await server.issuer.store.listLedgerEntries({ sessionId: session.id });
    assert.equal(ledger.length, 1);
    const settled = await request<Session>(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      {
        token: DEMO.secretKey,
      },
    );
    assert.equal(settled.body.status, 'settled');
    assert.ok(settled.body.settlementToken);
    const events = await server.issuer.store.listEventsAfter(session.id, 0);
    assert.deepEqual(
      events.map((event) => event.status),
      ['open', 'claimed', 'settled'],
    );
  });

  it('concurrent creations with one Idempotency-Key make one session', async () => {
    const body = { amount: 990, currency: 'KRW', orderId: 'order-race' };

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        request<Session>(server.url, 'POST', '/v1/checkout-sessions', {
          token: DEMO.secretKey,
          headers: { 'idempotency-key': 'race-key' },
          body,
        }),
      ),
    );

    assert.deepEqual(new Set(results.map((result) => result.status)), new Set([201]));
    assert.equal(new Set(results.map((result) => result.body.id)).size, 1);
    assert.equal(results.filter((result) => result.headers.get('idempotent-replayed')).length, 19);
  });
});
