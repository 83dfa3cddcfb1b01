/**
 * Races on one session between every way it can end: confirm (valid and replayed assertions),
 * decline, cancel by the page and by the merchant, and expiry (a fake clock moved past the
 * deadline, then `issuer.sweep()`). test/server/concurrency.test.ts covers 50 racing confirms of
 * one assertion; here the racers are mixed and drawn at random (seeded; the seed is in the
 * failure message). `npm run test:soak` runs many more rounds (test/hardening/soak/races.soak.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimulatedAuthenticator } from '../../src/phone/simulated-authenticator.js';
import { DEMO } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
} from '../server/support/harness.js';
import { invariantViolations, sessionRow } from './support/invariants.js';
import {
  claimedSession,
  drawRacers,
  prng,
  raceRound,
  startRaceWorld,
  type RaceWorld,
} from './support/races.js';

const ROUNDS = Number(process.env.HARDENING_RACE_ROUNDS ?? 30);
const SEED = Number(process.env.HARDENING_SEED ?? Date.now() % 2 ** 31);

describe('racing terminal actions on one session', () => {
  let world: RaceWorld;
  before(async () => {
    world = await startRaceWorld();
  });
  after(() => world.close());

  it(`lets exactly one terminal state win, with one terminal event and a matching ledger (${ROUNDS} rounds)`, async () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const winners = new Set<string>();

    for (let round = 0; round < ROUNDS; round++) {
      const racers = drawRacers(random);
      const outcome = await raceRound(world, racers, random);
      winners.add(outcome.status);
      if (outcome.violations.length > 0) {
        failures.push(`round ${round} [${racers.join(', ')}]: ${outcome.violations.join('; ')}`);
      }
    }

    assert.deepEqual(failures, [], `seed ${SEED}`);
    assert.ok(winners.size >= 2, `only ${[...winners].join(',')} ever won (seed ${SEED})`);
  });

  it('settles once when two different valid approvals, a decline and both cancels start together', async () => {
    const outcome = await raceRound(
      world,
      ['confirm', 'confirm', 'decline', 'cancel-page', 'cancel-merchant'],
      prng(SEED + 1),
    );

    assert.deepEqual(outcome.violations, []);
    assert.equal(outcome.racers.filter((racer) => racer.status === 200).length, 1);
  });

  it(`records every loser in the audit log: approval.failed or a refused action (${ROUNDS} rounds)`, async () => {
    const random = prng(SEED + 2);
    const unaudited = new Map<string, number>();

    for (let round = 0; round < ROUNDS; round++) {
      const outcome = await raceRound(world, drawRacers(random), random);
      for (const kind of outcome.unaudited) unaudited.set(kind, (unaudited.get(kind) ?? 0) + 1);
    }

    assert.deepEqual(
      Object.fromEntries(unaudited),
      {},
      `unaudited losers by caller (seed ${SEED})`,
    );
  });
});

describe('the audit log of a session that already ended', () => {
  let world: RaceWorld;
  before(async () => {
    world = await startRaceWorld();
  });
  after(() => world.close());

  /** A session the phone claimed and then declined; returns what a late caller needs. */
  async function declined() {
    const claimed = await claimedSession(world, 1);
    assert.equal((await world.phone.decline(claimed.code)).status, 200);
    const before = (await world.server.issuer.store.listAudit({ sessionId: claimed.session.id }))
      .length;
    return { ...claimed, before };
  }

  const auditRowsSince = async (sessionId: string, before: number) =>
    (await world.server.issuer.store.listAudit({ sessionId })).slice(before);

  it('records a confirmation refused because the session is no longer claimed', async () => {
    const { session, code, approvals, before } = await declined();

    const result = await world.phone.confirm(code, approvals[0]);
    const rows = await auditRowsSince(session.id, before);

    assert.equal(result.status, 409);
    assert.ok(rows.length >= 1, 'no audit row for the refused confirmation');
  });

  it('records a refused decline', async () => {
    const { session, code, before } = await declined();

    const result = await world.phone.decline(code);
    const rows = await auditRowsSince(session.id, before);

    assert.equal(result.status, 409);
    assert.ok(rows.length >= 1, 'no audit row for the refused decline');
  });

  for (const caller of ['page', 'merchant'] as const) {
    it(`records a refused cancel by the ${caller}`, async () => {
      const { session, before } = await declined();

      const result = await request(
        world.server.url,
        'POST',
        `/v1/checkout-sessions/${session.id}/cancel`,
        { token: caller === 'page' ? session.clientSecret : DEMO.secretKey },
      );
      const rows = await auditRowsSince(session.id, before);

      assert.equal(result.status, 409);
      assert.ok(rows.length >= 1, `no audit row for the refused cancel by the ${caller}`);
    });
  }
});

describe('racing steps on one open session', () => {
  let world: RaceWorld;
  before(async () => {
    world = await startRaceWorld();
  });
  after(() => world.close());

  it(`lets a claim, a rotation and a cancel race with one consistent outcome (${ROUNDS} rounds)`, async () => {
    const random = prng(SEED + 3);
    const failures: string[] = [];
    const { url } = world.server;

    for (let round = 0; round < ROUNDS; round++) {
      const session = await createSession(url);
      const { code } = await createHandoff(url, session);
      const withCancel = random() < 0.5;
      const page = { token: session.clientSecret };
      const [claim, rotation, cancel] = await Promise.all([
        new Phone(url, world.phone.card).claim(code),
        request(url, 'POST', `/v1/checkout-sessions/${session.id}/handoffs`, page),
        withCancel
          ? request(url, 'POST', `/v1/checkout-sessions/${session.id}/cancel`, page)
          : Promise.resolve(null),
      ]);
      const status = String(sessionRow(world.db, session.id)?.status);
      const outcome = `claim ${claim.status}, rotation ${rotation.status}, cancel ${cancel?.status}, status ${status}`;
      const consistent =
        (claim.status === 200 &&
          rotation.status === 409 &&
          ['claimed', 'cancelled'].includes(status)) ||
        (claim.status === 410 &&
          rotation.status === 201 &&
          ['open', 'cancelled'].includes(status)) ||
        (claim.status === 409 && cancel?.status === 200 && status === 'cancelled');
      if (!consistent || (status === 'cancelled') !== (cancel?.status === 200))
        failures.push(`round ${round}: ${outcome}`);
      failures.push(...invariantViolations(world.db));
    }

    assert.deepEqual(failures, [], `seed ${SEED}`);
  });
});

describe('racing settlements against one monthly limit', () => {
  let world: RaceWorld;
  before(async () => {
    world = await startRaceWorld();
  });
  after(() => world.close());

  it('settles only what the limit allows when five payments of one account confirm at once', async () => {
    const { url } = world.server;
    const account = await request<{ id: string }>(url, 'POST', '/v1/accounts', {
      token: DEMO.adminKey,
      body: { displayName: 'Limited payer', monthlyLimit: 3_000 },
    });
    // Its own card, with no signature counter, so the five approvals may land in any order.
    const payer = new Phone(url, new SimulatedAuthenticator());
    await payer.enrol(account.body.id);
    const payments = [];
    for (let i = 0; i < 5; i++) {
      const session = await createSession(url, { amount: 1_000 });
      const { body: view } = await publicSession(url, session);
      const { code } = await createHandoff(url, session);
      assert.equal((await payer.claim(code)).status, 200);
      const options = await payer.authenticationOptions(code, view.bindingCode);
      payments.push({ session, code, approval: await payer.assert(options.body, { counter: 0 }) });
    }

    const results = await Promise.all(payments.map((p) => payer.confirm(p.code, p.approval)));

    const codes = results.map((r) =>
      r.status === 200 ? 'settled' : (r.body as unknown as { error: { code: string } }).error.code,
    );
    assert.equal(codes.filter((c) => c === 'settled').length, 3, codes.join(','));
    assert.equal(codes.filter((c) => c === 'limit_exceeded').length, 2, codes.join(','));
    const spent = world.db
      .prepare('SELECT SUM(amount) AS total FROM ledger_entries WHERE account_id = ?')
      .get(account.body.id) as { total: number };
    assert.equal(spent.total, 3_000);
    assert.deepEqual(invariantViolations(world.db), []);
  });
});
