import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PublicSession, Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { Phone, createHandoff, createSession, publicSession, request } from './support/harness.js';
import { freePort, spawnIssuer, type IssuerProcess } from './support/process.js';
import { openSse } from './support/sse.js';

describe('restart after SIGKILL', () => {
  let dir: string;
  let db: string;
  let port: number;
  let issuer: IssuerProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-crash-'));
    db = join(dir, 'issuer.db');
    port = await freePort();
    issuer = await spawnIssuer(port, db);
  });
  after(async () => {
    await issuer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventsUrl = (session: Session) =>
    `${issuer.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;

  it('keeps a settlement: same status and token, and SSE resumes with the terminal event exactly once', async () => {
    const phone = new Phone(issuer.url);
    await phone.enrol();
    const session = await createSession(issuer.url);
    const stream = await openSse(eventsUrl(session));
    const snapshot = JSON.parse((await stream.next()).data) as PublicSession;
    const handoff = await createHandoff(issuer.url, session);
    await phone.claim(handoff.code);
    const claimed = await stream.next();
    stream.close();
    const options = await phone.authenticationOptions(handoff.code, snapshot.bindingCode);
    const confirmed = await phone.confirm(handoff.code, await phone.assert(options.body));
    const before = await request<Session>(
      issuer.url,
      'GET',
      `/v1/checkout-sessions/${session.id}`,
      {
        token: DEMO.secretKey,
      },
    );

    await issuer.kill();
    issuer = await spawnIssuer(port, db);
    const after = await request<Session>(issuer.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
      token: DEMO.secretKey,
    });
    const resumed = await openSse(eventsUrl(session), { 'last-event-id': claimed.id ?? '' });
    const terminal = await resumed.next();
    await resumed.ended;
    const caughtUp = await openSse(eventsUrl(session), { 'last-event-id': terminal.id ?? '' });
    await caughtUp.ended;

    assert.equal(confirmed.status, 200);
    assert.equal(after.body.status, 'settled');
    assert.equal(after.body.settlementToken, before.body.settlementToken);
    assert.equal(claimed.id, '2');
    assert.equal(terminal.id, '3');
    assert.equal(JSON.parse(terminal.data).status, 'settled');
    assert.equal(JSON.parse(terminal.data).settlementToken, before.body.settlementToken);
    await assert.rejects(resumed.next(100));
    await assert.rejects(caughtUp.next(100));
  });

  it('keeps hand-off codes and challenges issued before the crash usable after it', async () => {
    const phone = new Phone(issuer.url);
    await phone.enrol();
    const session = await createSession(issuer.url);
    const { body: view } = await publicSession(issuer.url, session);
    const handoff = await createHandoff(issuer.url, session);

    await issuer.kill();
    issuer = await spawnIssuer(port, db);
    const claim = await phone.claim(handoff.code);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
    await issuer.kill();
    issuer = await spawnIssuer(port, db);
    const confirmed = await phone.confirm(handoff.code, await phone.assert(options.body));

    assert.equal(claim.status, 200);
    assert.equal(confirmed.status, 200);
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await issuer.stop();
    issuer = await spawnIssuer(port, db);

    assert.equal(code, 0);
  });
});
