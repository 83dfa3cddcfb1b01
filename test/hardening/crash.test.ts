/**
 * SIGKILL the issuer (a child process, test/server/support/process.ts) at each step of a payment
 * and restart it on the same SQLite file: nothing acknowledged is lost, nothing settles twice,
 * codes and challenges issued before the crash keep working within their life, and the database
 * invariants hold after every restart. test/server/crash.test.ts covers a crash after settlement
 * and one hand-off/challenge carried over; this file walks every step and kills mid-flight.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { PublicSession, Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  publicSession,
  request,
  type HttpResult,
} from '../server/support/harness.js';
import { freePort, spawnIssuer, type IssuerProcess } from '../server/support/process.js';
import { openSse, type SseEvent } from '../server/support/sse.js';
import { crashWithConfirmsInFlight, flightViolations } from './support/crash-flight.js';
import { invariantViolations, ledgerOf, openReadonly, sessionRow } from './support/invariants.js';

const codeOf = (result: HttpResult): string | undefined =>
  (result.body as { error?: { code?: string } } | undefined)?.error?.code;

describe('the issuer killed (SIGKILL) and restarted on the same file', () => {
  let dir: string;
  let db: string;
  let port: number;
  let issuer: IssuerProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-hardening-crash-'));
    db = join(dir, 'issuer.db');
    port = await freePort();
    issuer = await spawnIssuer(port, db);
  });
  after(async () => {
    await issuer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function crashAndRestart(): Promise<void> {
    await issuer.kill();
    issuer = await spawnIssuer(port, db);
  }

  /** The database as the restarted issuer sees it: invariants, and one session's row. */
  function inspect(sessionId?: string, idempotencyKey = '') {
    const file = openReadonly(db);
    try {
      return {
        violations: invariantViolations(file),
        row: sessionId ? sessionRow(file, sessionId) : undefined,
        ledger: sessionId ? ledgerOf(file, sessionId).length : 0,
        sessionsWithKey: (
          file
            .prepare('SELECT COUNT(*) AS n FROM sessions WHERE idempotency_key = ?')
            .get(idempotencyKey) as { n: number }
        ).n,
      };
    } finally {
      file.close();
    }
  }

  const merchantView = (id: string) =>
    request<Session>(issuer.url, 'GET', `/v1/checkout-sessions/${id}`, { token: DEMO.secretKey });

  const createWithKey = (key: string) =>
    request<Session>(issuer.url, 'POST', '/v1/checkout-sessions', {
      token: DEMO.secretKey,
      headers: { 'idempotency-key': key },
      body: { amount: 3300, currency: 'KRW', orderId: `crash-${key}`, description: 'Walk' },
    });

  it('carries one payment through a crash after each step and settles it exactly once', async () => {
    const phone = new Phone(issuer.url);
    const key = `walk-${Date.now()}`;
    // Step 0: an enrolment code with its registration challenge, and a created session.
    const enrolment = await request<{ code: string }>(
      issuer.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    const registration = await phone.post<PublicKeyCredentialCreationOptionsJSON>(
      `/v1/enrollments/${enrolment.body.code}/registration-options`,
    );
    const created = await createWithKey(key);
    const session = created.body;
    const handoff = await createHandoff(issuer.url, session);
    await crashAndRestart();

    // After create: the session, its idempotency key, the hand-off and the enrolment survive.
    const replayedCreate = await createWithKey(key);
    const enrolled = await phone.post(`/v1/enrollments/${enrolment.body.code}/verify`, {
      response: await phone.card.createCredential(registration.body, { origin: phone.origin }),
    });
    const { body: view } = await publicSession(issuer.url, session);
    const claim = await phone.claim(handoff.code);
    const afterCreate = inspect(session.id);
    await crashAndRestart();

    // After claim: the phone's cookie still opens it; another phone still cannot take it.
    const intruder = await new Phone(issuer.url).claim(handoff.code);
    const options = await phone.authenticationOptions(handoff.code, view.bindingCode);
    const afterClaim = inspect(session.id);
    await crashAndRestart();

    // After the challenge was issued: an assertion over it settles.
    const confirmed = await phone.confirm(handoff.code, await phone.assert(options.body));
    const settledView = await merchantView(session.id);
    await crashAndRestart();

    // After commit: settled, same token, one ledger entry; a replay changes nothing.
    const afterCommit = await merchantView(session.id);
    const replay = await phone.confirm(handoff.code, await phone.assert(options.body));
    const final = inspect(session.id, key);

    assert.equal(created.status, 201);
    assert.equal(replayedCreate.status, 201);
    assert.equal(replayedCreate.body.id, session.id);
    assert.equal(replayedCreate.headers.get('idempotent-replayed'), 'true');
    assert.equal(final.sessionsWithKey, 1);
    assert.equal(enrolled.status, 200);
    assert.equal(claim.status, 200);
    assert.deepEqual(afterCreate.violations, []);
    assert.equal(afterCreate.row?.status, 'claimed');
    assert.equal(intruder.status, 409);
    assert.equal(codeOf(intruder), 'handoff_claimed');
    assert.equal(options.status, 200);
    assert.deepEqual(afterClaim.violations, []);
    assert.equal(confirmed.status, 200);
    assert.equal(afterCommit.body.status, 'settled');
    assert.equal(afterCommit.body.settlementToken, settledView.body.settlementToken);
    assert.ok(afterCommit.body.settlementToken);
    assert.equal(replay.status, 409);
    assert.equal(codeOf(replay), 'session_settled');
    assert.equal(final.ledger, 1);
    assert.deepEqual(final.violations, []);
  });

  it('loses and duplicates nothing when killed with many confirmations in flight', async () => {
    const target = { port, db, issuer };

    // Twelve payments, each approval sent twice at once; the kill comes once four were answered,
    // with the others between verification, commit and answer.
    const flight = await crashWithConfirmsInFlight(target, 12, 4);
    issuer = target.issuer;

    assert.deepEqual(flightViolations(flight), []);
    assert.ok(flight.outcomes.some((outcome) => outcome.statusAfterCrash === 'claimed'));
    assert.ok(flight.outcomes.some((outcome) => outcome.acknowledged));
  });

  it('resumes the event stream with the settled event exactly once when killed right after commit', async () => {
    const phone = new Phone(issuer.url);
    await phone.enrol();
    const { body: session } = await createWithKey(`sse-${Date.now()}`);
    const eventsUrl = `${issuer.url}/v1/checkout-sessions/${session.id}/events?client_secret=${encodeURIComponent(session.clientSecret)}`;
    const stream = await openSse(eventsUrl);
    const received: SseEvent[] = [await stream.next()];
    const snapshot = JSON.parse(received[0]!.data) as PublicSession;
    const { code } = await createHandoff(issuer.url, session);
    await phone.claim(code);
    received.push(await stream.next());
    const options = await phone.authenticationOptions(code, snapshot.bindingCode);
    const approval = await phone.assert(options.body);

    const confirmed = await phone.confirm(code, approval);
    await issuer.kill();
    // Whatever the stream got before the kill (the settled event may or may not have been written).
    received.push(...(await drain(stream)));
    issuer = await spawnIssuer(port, db);
    const resumed = await openSse(eventsUrl, { 'last-event-id': received.at(-1)?.id ?? '' });
    received.push(...(await drain(resumed)));
    const fresh = await openSse(eventsUrl);
    const freshSnapshot = JSON.parse((await fresh.next()).data) as PublicSession;
    await fresh.ended;
    const token = (await merchantView(session.id)).body.settlementToken;

    assert.equal(confirmed.status, 200);
    assert.deepEqual(
      received.map((event) => `${event.id} ${(JSON.parse(event.data) as PublicSession).status}`),
      ['1 open', '2 claimed', '3 settled'],
    );
    assert.equal((JSON.parse(received[2]!.data) as PublicSession).settlementToken, token);
    assert.equal(freshSnapshot.status, 'settled');
    assert.equal(freshSnapshot.settlementToken, token);
    assert.deepEqual(inspect(session.id).violations, []);
  });
});

/** Every event a stream still delivers until it ends (or goes quiet for 500 ms). */
async function drain(stream: Awaited<ReturnType<typeof openSse>>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for (;;) {
    try {
      events.push(await stream.next(500));
    } catch {
      stream.close();
      return events;
    }
  }
}
