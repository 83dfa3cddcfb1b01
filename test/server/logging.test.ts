import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  request,
  startTestIssuer,
  type TestIssuer,
} from './support/harness.js';
import { settledSession } from './support/pay.js';

describe('structured logs', () => {
  let server: TestIssuer;
  const lines: string[] = [];
  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestIssuer({ logger: { level: 'info', stream } });
  });
  after(() => server.dispose());

  it('log one JSON line per request with method, path and status', async () => {
    await request(server.url, 'GET', '/healthz');

    const entry = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((e) => e.path === '/healthz');
    assert.ok(entry);
    assert.equal(entry.method, 'GET');
    assert.equal(entry.status, 200);
  });

  it('never contain secret keys, client secrets, phone cookies, codes or tokens', async () => {
    const phone = new Phone(server.url);
    await phone.enrol();
    const session = await createSession(server.url);
    await request(
      server.url,
      'GET',
      `/v1/checkout-sessions/${session.id}/public?client_secret=${session.clientSecret}`,
    );
    const handoff = await createHandoff(server.url, session);
    await new Phone(server.url).claim(handoff.code);
    await request(server.url, 'GET', `/h/${handoff.code}`);
    const settled = await settledSession(server, phone);

    const log = lines.join('\n');
    for (const secret of [
      DEMO.secretKey,
      DEMO.adminKey,
      session.clientSecret,
      handoff.code,
      handoff.userCode,
      settled.settlementToken,
      phone.cookie.split('=')[1] ?? 'x',
    ]) {
      assert.equal(log.includes(secret), false, `log contains ${secret.slice(0, 12)}…`);
    }
  });
});
