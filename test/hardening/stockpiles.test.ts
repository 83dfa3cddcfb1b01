/**
 * No stockpiles (security review finding 9): a phone asking for authentication options again gets
 * a challenge that replaces the earlier one, and one session cannot hold more than 10 open event
 * streams on an issuer process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_STREAMS_PER_SESSION } from '../../src/server/http/sse.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  startTestIssuer,
  type TestIssuer,
} from '../server/support/harness.js';
import { openSse } from '../server/support/sse.js';

describe('challenges', () => {
  let server: TestIssuer;
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  it('are replaced by a new authentication-options call: only the newest approves', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const bindingCode = (await server.issuer.store.getSession(session.id))?.bindingCode ?? '';
    await phone.claim(handoff.code);
    const first = await phone.authenticationOptions(handoff.code, bindingCode);
    const firstAssertion = await phone.assert(first.body);
    const second = await phone.authenticationOptions(handoff.code, bindingCode);

    const stale = await phone.confirm(handoff.code, firstAssertion);
    const fresh = await phone.confirm(handoff.code, await phone.assert(second.body));

    assert.equal(errorCodeOf(stale.body), 'authentication_failed');
    assert.equal(fresh.status, 200);
    assert.equal(
      (await server.issuer.store.getChallenge(first.body.challenge))?.usedAt !== null,
      true,
    );
  });
});

describe('event streams of one session', () => {
  let server: TestIssuer;
  before(async () => {
    server = await startTestIssuer();
  });
  after(() => server.dispose());

  it(`are refused with 429 beyond ${MAX_STREAMS_PER_SESSION}, and allowed again when one closes`, async () => {
    const session = await createSession(server.url);
    const url = `${server.url}/v1/checkout-sessions/${session.id}/events`;
    const headers = { authorization: `Bearer ${session.clientSecret}` };
    const open = [];
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) open.push(await openSse(url, headers));

    const refused = await fetch(url, { headers });
    const refusedBody: unknown = await refused.json();
    open.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await openSse(url, headers);
    const other = await createSession(server.url);
    const elsewhere = await openSse(`${server.url}/v1/checkout-sessions/${other.id}/events`, {
      authorization: `Bearer ${other.clientSecret}`,
    });

    assert.deepEqual(
      open.map((stream) => stream.status),
      Array(MAX_STREAMS_PER_SESSION - 1).fill(200),
    );
    assert.equal(refused.status, 429);
    assert.equal(errorCodeOf(refusedBody), 'rate_limited');
    assert.ok(refused.headers.get('retry-after'));
    assert.equal(again.status, 200);
    assert.equal(elsewhere.status, 200);
    for (const stream of [...open, again, elsewhere]) stream.close();
  });
});
