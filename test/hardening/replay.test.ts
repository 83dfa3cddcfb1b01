/**
 * Every one-time thing used twice, beyond the sequential cases of test/server/sessions.test.ts,
 * test/server/confirmation.test.ts and test/verify/verify.test.ts: hand-off codes claimed by many
 * phones at once, challenges carried to another session, assertions replayed after settlement,
 * enrolment codes verified twice at once or with another code's response, and settlement tokens
 * verified many times at once through an asynchronous (Redis-like) replay guard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Session } from '../../src/protocol/index.js';
import { DEMO, type SqliteStore } from '../../src/server/index.js';
import {
  SettlementTokenError,
  createMemoryReplayGuard,
  verifySettlementToken,
  type ReplayGuard,
} from '../../src/verify/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';
import { settledSession } from '../server/support/pay.js';
import { eventStatuses, invariantViolations, ledgerOf, sessionRow } from './support/invariants.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };

const codeOf = (result: HttpResult): string | undefined =>
  (result.body as { error?: { code?: string } } | undefined)?.error?.code;

let server: TestIssuer;
let db: SqliteStore['db'];
let phone: Phone;

before(async () => {
  server = await startTestIssuer({
    rateLimits: { claim: GENEROUS, enrollment: GENEROUS, handoffCreate: GENEROUS },
  });
  db = (server.issuer.store as SqliteStore).db;
  phone = new Phone(server.url);
  await phone.enrol();
});
after(() => server.dispose());

/** A fresh session with its binding number and a live hand-off code. */
async function handedOff(): Promise<{ session: Session; bindingCode: string; code: string }> {
  const session = await createSession(server.url);
  const { body: view } = await publicSession(server.url, session);
  const { code } = await createHandoff(server.url, session);
  return { session, bindingCode: view.bindingCode, code };
}

describe('a hand-off code', () => {
  it('is claimed by exactly one of eight phones racing for it; the others get handoff_claimed', async () => {
    const { session, code } = await handedOff();
    const phones = Array.from({ length: 8 }, () => new Phone(server.url, phone.card));

    const results = await Promise.all(phones.map((p) => p.claim(code)));

    const winners = results.filter((result) => result.status === 200);
    assert.equal(winners.length, 1);
    for (const loser of results.filter((result) => result.status !== 200)) {
      assert.equal(loser.status, 409);
      assert.equal(codeOf(loser), 'handoff_claimed');
    }
    assert.deepEqual(eventStatuses(db, session.id), ['open', 'claimed']);
  });

  it('leaves an audit row for every phone refused with handoff_claimed (a takeover attempt)', async () => {
    const { session, code } = await handedOff();
    assert.equal((await phone.claim(code)).status, 200);
    const before = (await server.issuer.store.listAudit({ sessionId: session.id })).length;

    const intruders = await Promise.all(
      [0, 1, 2].map(() => new Phone(server.url, phone.card).claim(code)),
    );
    const rows = (await server.issuer.store.listAudit({ sessionId: session.id })).slice(before);

    assert.deepEqual(
      intruders.map((result) => codeOf(result)),
      ['handoff_claimed', 'handoff_claimed', 'handoff_claimed'],
    );
    assert.equal(rows.length, 3, 'audit rows for the three refused claims');
  });

  it('cannot be taken over by typing its user code on a second phone once claimed', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    assert.equal((await phone.claim(handoff.code)).status, 200);

    const typed = await new Phone(server.url).claim(handoff.userCode);

    assert.equal(typed.status, 404);
    assert.equal(codeOf(typed), 'not_found');
    assert.equal(sessionRow(db, session.id)?.status, 'claimed');
  });

  it('is refused after its payment settled, even to the phone that claimed it', async () => {
    const { code, bindingCode } = await handedOff();
    assert.equal((await phone.pay(code, bindingCode)).status, 200);

    const again = await phone.claim(code);

    assert.equal(again.status, 409);
    assert.equal(codeOf(again), 'session_settled');
  });
});

describe('a challenge', () => {
  it('issued for one session does not approve another: a failed attempt there, still good at home', async () => {
    const home = await handedOff();
    const other = await handedOff();
    assert.equal((await phone.claim(home.code)).status, 200);
    assert.equal((await phone.claim(other.code)).status, 200);
    const options = await phone.authenticationOptions(home.code, home.bindingCode);
    const assertion = await phone.assert(options.body);

    const carried = await phone.confirm(other.code, assertion);
    const atHome = await phone.confirm(home.code, assertion);

    assert.equal(carried.status, 422);
    assert.equal(codeOf(carried), 'authentication_failed');
    assert.equal(sessionRow(db, other.session.id)?.status, 'claimed');
    assert.equal(sessionRow(db, other.session.id)?.failed_attempts, 1);
    assert.equal(ledgerOf(db, other.session.id).length, 0);
    assert.equal(atHome.status, 200);
  });

  it('stays single-use when a wrong-signature attempt and the genuine one arrive together', async () => {
    const { session, code, bindingCode } = await handedOff();
    assert.equal((await phone.claim(code)).status, 200);
    const options = await phone.authenticationOptions(code, bindingCode);
    const genuine = await phone.assert(options.body);
    const forged = {
      ...genuine,
      response: {
        ...genuine.response,
        signature: genuine.response.signature.slice(0, -4) + 'AAAA',
      },
    };

    const [bad, good, replay] = await Promise.all([
      phone.confirm(code, forged),
      phone.confirm(code, genuine),
      phone.confirm(code, genuine),
    ]);

    assert.equal([good, replay].filter((result) => result.status === 200).length, 1);
    assert.ok([409, 422].includes(bad.status), `forged: ${bad.status} ${codeOf(bad)}`);
    assert.equal(ledgerOf(db, session.id).length, 1);
  });
});

describe('an assertion replayed after settlement', () => {
  it('is refused with session_settled, five times at once, leaving ledger, token and counter as they were', async () => {
    const { session, code, bindingCode } = await handedOff();
    assert.equal((await phone.claim(code)).status, 200);
    const options = await phone.authenticationOptions(code, bindingCode);
    const assertion = await phone.assert(options.body);
    assert.equal((await phone.confirm(code, assertion)).status, 200);
    const settled = sessionRow(db, session.id);
    const counterOfCard = () =>
      (
        db
          .prepare(
            'SELECT counter FROM cards WHERE id = (SELECT card_id FROM ledger_entries WHERE session_id = ?)',
          )
          .get(session.id) as { counter: number }
      ).counter;
    const counter = counterOfCard();

    const replays = await Promise.all(
      Array.from({ length: 5 }, () => phone.confirm(code, assertion)),
    );

    for (const replay of replays) {
      assert.equal(replay.status, 409);
      assert.equal(codeOf(replay), 'session_settled');
    }
    assert.equal(ledgerOf(db, session.id).length, 1);
    assert.equal(sessionRow(db, session.id)?.settlement_token, settled?.settlement_token);
    assert.equal(counterOfCard(), counter);
    assert.deepEqual(invariantViolations(db), []);
  });
});

describe('an enrolment code', () => {
  async function enrolmentCode(): Promise<string> {
    const { body } = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    return body.code;
  }

  async function registration(card: Phone, code: string) {
    const options = await card.post<PublicKeyCredentialCreationOptionsJSON>(
      `/v1/enrollments/${code}/registration-options`,
    );
    assert.equal(options.status, 200);
    return card.card.createCredential(options.body, { origin: card.origin });
  }

  it('enrols one card when the same response is verified twice at once', async () => {
    const newcomer = new Phone(server.url);
    const code = await enrolmentCode();
    const response = await registration(newcomer, code);
    const cardsBefore = (db.prepare('SELECT COUNT(*) AS n FROM cards').get() as { n: number }).n;

    const results = await Promise.all([
      newcomer.post(`/v1/enrollments/${code}/verify`, { response }),
      newcomer.post(`/v1/enrollments/${code}/verify`, { response }),
    ]);

    assert.equal(results.filter((result) => result.status === 200).length, 1);
    const loser = results.find((result) => result.status !== 200);
    assert.ok(loser);
    assert.ok(
      ['enrollment_expired', 'credential_not_allowed'].includes(codeOf(loser) ?? ''),
      `loser: ${loser.status} ${codeOf(loser)}`,
    );
    const cardsAfter = (db.prepare('SELECT COUNT(*) AS n FROM cards').get() as { n: number }).n;
    assert.equal(cardsAfter, cardsBefore + 1);
  });

  it('refuses a registration made for another code (its challenge) and stays usable', async () => {
    const newcomer = new Phone(server.url);
    const first = await enrolmentCode();
    const second = await enrolmentCode();
    const forFirst = await registration(newcomer, first);
    await registration(new Phone(server.url), second);

    const carried = await newcomer.post(`/v1/enrollments/${second}/verify`, {
      response: forFirst,
    });
    const atHome = await newcomer.post(`/v1/enrollments/${first}/verify`, { response: forFirst });

    assert.equal(carried.status, 422);
    assert.equal(codeOf(carried), 'authentication_failed');
    assert.equal(atHome.status, 200);
  });
});

describe('a settlement token at verifySettlementToken', () => {
  let options: Parameters<typeof verifySettlementToken>[1];
  before(async () => {
    const jwks = (
      await request<{ keys: JsonWebKey[] }>(server.url, 'GET', '/.well-known/jwks.json')
    ).body;
    options = { issuer: server.issuer.publicUrl, audience: DEMO.merchantId, jwks: jwks as never };
  });

  /** A Redis-like shared guard: every call is asynchronous, `add` is an atomic SET NX. */
  function sharedGuard(store: Map<string, number>): ReplayGuard {
    const tick = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    return {
      async has(jti) {
        await tick();
        return store.has(jti);
      },
      async add(jti, exp) {
        await tick();
        if (store.has(jti)) return null;
        store.set(jti, exp);
        return true;
      },
    };
  }

  it('passes exactly one of twenty concurrent verifications through an asynchronous guard', async () => {
    const session = await settledSession(server, phone);
    const replayGuard = sharedGuard(new Map());

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        verifySettlementToken(session.settlementToken, { ...options, replayGuard }),
      ),
    );

    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const result of results.filter((r) => r.status === 'rejected')) {
      assert.ok(result.reason instanceof SettlementTokenError);
      assert.equal(result.reason.code, 'token_replayed');
    }
  });

  it('stays refused after the merchant server restarts when the guard is shared (Redis-like)', async () => {
    const session = await settledSession(server, phone);
    const redis = new Map<string, number>();
    await verifySettlementToken(session.settlementToken, {
      ...options,
      replayGuard: sharedGuard(redis),
    });

    const afterRestart = verifySettlementToken(session.settlementToken, {
      ...options,
      replayGuard: sharedGuard(redis),
    });

    await assert.rejects(
      afterRestart,
      (error: SettlementTokenError) => error.code === 'token_replayed',
    );
  });

  it('is accepted again by a fresh memory guard, as docs/verify.md warns (a restart forgets)', async () => {
    const session = await settledSession(server, phone);
    await verifySettlementToken(session.settlementToken, {
      ...options,
      replayGuard: createMemoryReplayGuard(),
    });

    const claims = await verifySettlementToken(session.settlementToken, {
      ...options,
      replayGuard: createMemoryReplayGuard(),
    });

    assert.equal(claims.sub, session.id);
  });
});
