import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicSession } from '../../src/protocol/index.js';
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
import { openSse } from './support/sse.js';

const codeOf = errorCodeOf;

describe('issuer regressions', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('sends CORS headers with auth errors on page endpoints, so the page can read the code', async () => {
    const session = await createSession(server.url);

    const result = await request(server.url, 'GET', `/v1/checkout-sessions/${session.id}/public`, {
      token: `${session.id}_secret_wrong`,
      headers: { origin: 'http://localhost:4000' },
    });

    assert.equal(result.status, 401);
    assert.equal(codeOf(result.body), 'unauthorized');
    assert.equal(result.headers.get('access-control-allow-origin'), 'http://localhost:4000');
  });

  it('answers a Last-Event-ID beyond the session sequence with a fresh snapshot', async () => {
    const session = await createSession(server.url);
    const url = `${server.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

    const stream = await openSse(url, { 'last-event-id': '999' });
    const first = await stream.next();
    stream.close();

    assert.equal(first.id, '1');
    assert.equal((JSON.parse(first.data) as PublicSession).status, 'open');
  });

  it('lists the remembered credentials as allowCredentials, dropping unknown ids', async () => {
    const phone = new Phone(server.url);
    await phone.enrol();
    const [credential] = phone.card.credentials;
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const handoff = await createHandoff(server.url, session);
    await phone.claim(handoff.code);

    const options = await phone.post<{ allowCredentials?: { id: string }[] }>(
      `/v1/handoffs/${handoff.code}/authentication-options`,
      { bindingCode: view.bindingCode, credentialIds: [credential!.id, 'AAAAunknown'] },
    );

    assert.equal(options.status, 200);
    assert.deepEqual(
      options.body.allowCredentials?.map((c) => c.id),
      [credential!.id],
    );
  });

  it('sets no phone cookie when a claim is refused', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    await new Phone(server.url).claim(handoff.code);

    const refused = await new Phone(server.url).claim(handoff.code);

    assert.equal(refused.status, 409);
    assert.equal(refused.headers.get('set-cookie'), null);
  });

  it('refuses a JSON body that is not valid UTF-8 and writes nothing', async () => {
    const before = await server.issuer.store.listAudit();
    const body = Buffer.concat([
      Buffer.from('{"amount":100,"currency":"KRW","orderId":"o-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);

    const response = await fetch(`${server.url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_demo',
        'content-type': 'application/json',
        'idempotency-key': 'utf8',
      },
      body: new Uint8Array(body),
    });

    assert.equal(response.status, 400);
    assert.equal(codeOf(await response.json()), 'invalid_json');
    assert.equal((await server.issuer.store.listAudit()).length, before.length);
  });
});
