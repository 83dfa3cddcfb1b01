/**
 * Guessing: user codes typed at /h (rate limit, after RFC 8628 §5.1) and approvals (binding
 * number, card, PIN/biometric: five failures lock the session). The numbers asserted here are the
 * bound SECURITY.md states. test/server/sessions.test.ts checks the first 429; this file checks the
 * whole budget, the refill, that the limit cannot be dodged, and locking under concurrency.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { MAX_FAILED_ATTEMPTS, generateUserCode, type Session } from '../../src/protocol/index.js';
import { DEFAULT_RATE_LIMITS, type SqliteStore } from '../../src/server/index.js';
import { RateLimiter } from '../../src/server/rate-limit.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';
import { eventStatuses, invariantViolations, ledgerOf, sessionRow } from './support/invariants.js';

const codeOf = (result: HttpResult): string | undefined =>
  (result.body as { error?: { code?: string } } | undefined)?.error?.code;

/** 20^8 user codes (8 letters of BCDFGHJKLMNPQRSTVWXZ). */
const USER_CODE_SPACE = 20 ** 8;
const DAY_MS = 24 * 60 * 60_000;

describe('user-code guessing at /h', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  let guesser: Phone;
  beforeEach(async () => {
    clock.now = Date.now();
    server = await startTestIssuer({ now: () => clock.now });
    guesser = new Phone(server.url);
  });
  afterEach(() => server.dispose());

  const guess = (code = generateUserCode(), headers: Record<string, string> = {}) =>
    guesser.post(`/v1/handoffs/${code}/claim`, undefined, headers);

  it('allows one IP its burst of 10, then 429 rate_limited with Retry-After 6, then one guess per 6 s', async () => {
    const burst: HttpResult[] = [];
    for (let i = 0; i < 10; i++) burst.push(await guess());

    const over = await guess();
    clock.now += 6_000;
    const refilled = await guess();
    const overAgain = await guess();

    assert.deepEqual(
      burst.map((result) => `${result.status} ${codeOf(result)}`),
      Array(10).fill('404 not_found'),
    );
    assert.equal(over.status, 429);
    assert.equal(codeOf(over), 'rate_limited');
    assert.equal(over.headers.get('retry-after'), '6');
    assert.equal(refilled.status, 404);
    assert.equal(overAgain.status, 429);
  });

  it('lets a guess through at the Retry-After it was given, after an early retry', async () => {
    for (let i = 0; i < 10; i++) await guess();
    await guess();
    clock.now += 5_000;
    const early = await guess();
    clock.now += Number(early.headers.get('retry-after')) * 1000;

    const onTime = await guess();

    assert.equal(early.status, 429);
    assert.equal(
      onTime.status,
      404,
      `429 again after Retry-After ${early.headers.get('retry-after')}`,
    );
  });

  it('refuses even the right user code while the IP is over its limit', async () => {
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    for (let i = 0; i < 10; i++) await guess();

    const right = await guess(handoff.userCode);

    assert.equal(right.status, 429);
    assert.equal(sessionRow((server.issuer.store as SqliteStore).db, session.id)?.status, 'open');
  });

  it('does not grant new guesses for a new X-Forwarded-For (the proxy header is not trusted)', async () => {
    for (let i = 0; i < 10; i++)
      await guess(generateUserCode(), { 'x-forwarded-for': `10.0.0.${i}` });

    const spoofed = await guess(generateUserCode(), { 'x-forwarded-for': '10.9.9.9' });

    assert.equal(spoofed.status, 429);
  });

  it('writes every miss to the audit log as user_code.miss, with the IP', async () => {
    for (let i = 0; i < 3; i++) await guess();

    const misses = (await server.issuer.store.listAudit()).filter(
      (entry) => entry.action === 'user_code.miss',
    );

    assert.equal(misses.length, 3);
    assert.ok(misses.every((entry) => typeof entry.ip === 'string' && entry.ip.length > 0));
  });
});

describe('the user-code guessing bound (SECURITY.md, docs/protocol.md "Rate limits")', () => {
  /** Guesses one IP gets through `rule` in `windowMs`, guessing as fast as the limiter allows. */
  function guessesIn(windowMs: number): number {
    const limiter = new RateLimiter();
    const rule = DEFAULT_RATE_LIMITS.userCodeClaim;
    let now = 0;
    let allowed = 0;
    while (now <= windowMs) {
      const wait = limiter.take('ip', rule, now);
      if (wait === 0) allowed++;
      else now += wait * 1000;
    }
    return allowed;
  }

  it('gives one IP at most 14,410 guesses a day (10 at once, 10 a minute)', () => {
    const perDay = guessesIn(DAY_MS);

    assert.ok(perDay <= 10 + 10 * 1440 + 1, `${perDay} guesses a day`);
    assert.ok(perDay >= 10 + 10 * 1440 - 10, `${perDay}: the bound is tight, not loose`);
  });

  it('keeps one IP’s daily chance of hitting one of 1,000 live codes under 0.06 %', () => {
    const perDay = guessesIn(DAY_MS);
    const liveCodes = 1_000;

    // Union bound: P(at least one hit) ≤ guesses × live / space.
    const chance = (perDay * liveCodes) / USER_CODE_SPACE;
    // Guesses for an even chance: space × ln 2 / live.
    const ipDaysForEvenOdds = (USER_CODE_SPACE * Math.LN2) / liveCodes / perDay;

    assert.ok(chance < 6e-4, `chance ${chance}`);
    assert.ok(ipDaysForEvenOdds > 1_000, `${ipDaysForEvenOdds} IP-days`);
  });
});

describe('failed approvals on one claimed session', () => {
  let server: TestIssuer;
  let db: SqliteStore['db'];
  let phone: Phone;
  before(async () => {
    server = await startTestIssuer();
    db = (server.issuer.store as SqliteStore).db;
    phone = new Phone(server.url);
    await phone.enrol();
  });
  after(() => server.dispose());

  async function claimed(): Promise<{ session: Session; code: string; bindingCode: string }> {
    const session = await createSession(server.url);
    const { body: view } = await publicSession(server.url, session);
    const { code } = await createHandoff(server.url, session);
    assert.equal((await phone.claim(code)).status, 200);
    return { session, code, bindingCode: view.bindingCode };
  }

  it(`counts exactly ${MAX_FAILED_ATTEMPTS} of ten concurrent approvals without PIN (UV off), then locks once`, async () => {
    const { session, code, bindingCode } = await claimed();
    const noPin = [];
    for (let i = 0; i < 10; i++) {
      const options = await phone.authenticationOptions(code, bindingCode);
      noPin.push(await phone.assert(options.body, { userVerified: false }));
    }

    const results = await Promise.all(noPin.map((assertion) => phone.confirm(code, assertion)));

    const codes = results.map(codeOf);
    assert.equal(
      codes.filter((c) => c === 'authentication_failed').length,
      MAX_FAILED_ATTEMPTS - 1,
    );
    assert.equal(
      codes.filter((c) => c === 'session_failed').length,
      10 - (MAX_FAILED_ATTEMPTS - 1),
    );
    assert.equal(sessionRow(db, session.id)?.failed_attempts, MAX_FAILED_ATTEMPTS);
    assert.deepEqual(eventStatuses(db, session.id), ['open', 'claimed', 'failed']);
    assert.deepEqual(invariantViolations(db), []);
  });

  it('locks after five wrong binding numbers sent at once, and stays locked for the right one', async () => {
    const { session, code, bindingCode } = await claimed();
    const wrong = Array.from({ length: 5 }, (_, i) =>
      String((Number(bindingCode) + 1 + i) % 100).padStart(2, '0'),
    );

    await Promise.all(wrong.map((number) => phone.authenticationOptions(code, number)));
    const right = await phone.authenticationOptions(code, bindingCode);

    assert.equal(sessionRow(db, session.id)?.status, 'failed');
    assert.equal(right.status, 409);
    assert.equal(codeOf(right), 'session_failed');
  });

  it('refuses a valid approval with an earlier challenge once the session is locked; nothing settles', async () => {
    const { session, code, bindingCode } = await claimed();
    const options = await phone.authenticationOptions(code, bindingCode);
    const valid = await phone.assert(options.body);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const more = await phone.authenticationOptions(code, bindingCode);
      await phone.confirm(code, await phone.assert(more.body, { userVerified: false }));
    }

    const late = await phone.confirm(code, valid);

    assert.equal(late.status, 409);
    assert.equal(codeOf(late), 'session_failed');
    assert.equal(ledgerOf(db, session.id).length, 0);
  });
});
