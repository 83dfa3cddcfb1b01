/**
 * A settlement whose answer from the database is lost (`StoreUnavailableError` from `settle`: a
 * connection cut during COMMIT leaves the outcome unknown, decision 0009). The issuer reads the
 * session again: settled by this attempt, the payment succeeded; otherwise the 503 stands. The
 * store's `settle` is wrapped to commit (or not) and then lose its answer.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Session } from '../../src/protocol/index.js';
import { DEMO, StoreUnavailableError } from '../../src/server/index.js';
import type { SettleInput, Store } from '../../src/server/store/types.js';
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
import { openSse } from './support/sse.js';

type Settle = Store['settle'];

describe('ConfirmationService.settle when the answer of the settling write is lost', () => {
  let server: TestIssuer;
  let phone: Phone;
  let original: Settle;
  before(async () => {
    server = await startTestIssuer();
    phone = new Phone(server.url);
    await phone.enrol();
    original = server.issuer.store.settle.bind(server.issuer.store);
  });
  afterEach(() => {
    server.issuer.store.settle = original;
  });
  after(() => server.dispose());

  /** A claimed session with a signed assertion, ready to confirm. */
  async function ready() {
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    assert.equal((await phone.claim(handoff.code)).status, 200);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
    const assertion = await phone.assert(options.body);
    return { session, code: handoff.code, assertion };
  }

  /** Makes `settle` run `before` on its input, then throw as a connection cut during COMMIT. */
  function loseAnswer(before: (input: SettleInput) => Promise<unknown>): void {
    server.issuer.store.settle = async (input) => {
      await before(input);
      throw new StoreUnavailableError('the database is unavailable: Connection terminated');
    };
  }

  const merchantView = (session: Session) =>
    request<Session>(server.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
      token: DEMO.secretKey,
    });

  it('answers success and publishes the event when the write committed with its own settlement id', async () => {
    const { session, code, assertion } = await ready();
    const stream = await openSse(
      `${server.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`,
    );
    await stream.next();
    loseAnswer((input) => original(input));

    const confirmed = await phone.confirm(code, assertion);
    const settledEvent = JSON.parse((await stream.next(2000)).data) as Session;
    const view = await merchantView(session);
    stream.close();

    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.status, 'settled');
    assert.equal(view.body.status, 'settled');
    assert.equal(settledEvent.status, 'settled');
    const ledger = await server.issuer.store.listLedgerEntries({ sessionId: session.id });
    assert.deepEqual(
      ledger.map((entry) => entry.id),
      [confirmed.body.settlementId],
    );
  });

  it('answers 503 service_unavailable with Retry-After when nothing committed, and the same approval settles once the database is back', async () => {
    const { session, code, assertion } = await ready();
    loseAnswer(async () => undefined);

    const lost = await phone.confirm(code, assertion);
    const between = await merchantView(session);
    server.issuer.store.settle = original;
    const retried = await phone.confirm(code, assertion);

    assert.equal(lost.status, 503);
    assert.equal(errorCodeOf(lost.body), 'service_unavailable');
    assert.equal(lost.headers.get('retry-after'), '1');
    assert.equal(between.body.status, 'claimed');
    assert.equal(retried.status, 200);
    assert.equal(
      (await server.issuer.store.listLedgerEntries({ sessionId: session.id })).length,
      1,
    );
  });

  it('lets the 503 stand when the session was settled by another attempt (another settlement id)', async () => {
    const { session, code, assertion } = await ready();
    loseAnswer((input) => original({ ...input, settlementId: `${input.settlementId}-other` }));

    const lost = await phone.confirm(code, assertion);

    assert.equal(lost.status, 503);
    assert.equal(errorCodeOf(lost.body), 'service_unavailable');
    assert.equal((await merchantView(session)).body.status, 'settled');
  });
});
