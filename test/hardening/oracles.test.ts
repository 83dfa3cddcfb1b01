/**
 * The phone endpoints as a code oracle (security review finding 8): random codes on decline,
 * authentication-options, confirm, status and the enrolment endpoints spend the client's miss budget and
 * end in 429 before anything is looked up; a code another phone claimed answers exactly like a
 * code that names nothing, with the same store work; and a flood of refused steps writes at most
 * 30 audit rows a minute per client, then one summary, while `approval.failed` stays exact.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  MAX_FAILED_ATTEMPTS,
  generateHandoffCode,
  generateUserCode,
} from '../../src/protocol/index.js';
import { DEFAULT_RATE_LIMITS, type SqliteStore } from '../../src/server/index.js';
import { REFUSAL_AUDITS_PER_MINUTE } from '../../src/server/domain/refusal-audit.js';
import {
  Phone,
  createHandoff,
  createSession,
  errorCodeOf,
  publicSession,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from '../server/support/harness.js';

const GENEROUS = { perMinute: 1_000_000, burst: 1_000_000 };
const answer = (result: HttpResult) => `${result.status} ${errorCodeOf(result.body)}`;
const STEPS = ['authentication-options', 'confirm', 'decline'] as const;

/** A well-formed body for each phone step (its content never matters before the look-up). */
const bodyOf = (step: (typeof STEPS)[number]): unknown =>
  step === 'authentication-options'
    ? { bindingCode: '00' }
    : step === 'confirm'
      ? { response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} } }
      : undefined;

/** Records the names of the store methods called while `run` runs. */
async function storeCalls<T>(
  server: TestIssuer,
  run: () => Promise<T>,
): Promise<{ result: T; calls: string[] }> {
  const store = server.issuer.store as unknown as Record<string, unknown>;
  const calls: string[] = [];
  const originals = new Set<string>();
  // Every method up the prototype chain (the records live in a base class).
  for (
    let proto = Object.getPrototypeOf(store) as Record<string, unknown> | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (name === 'constructor' || typeof method !== 'function' || originals.has(name)) continue;
      originals.add(name);
      store[name] = function (...args: unknown[]) {
        calls.push(name);
        return (method as (...a: unknown[]) => unknown).apply(store, args);
      };
    }
  }
  try {
    return { result: await run(), calls };
  } finally {
    for (const name of originals) Reflect.deleteProperty(store, name);
  }
}

describe('phone endpoints with random codes (the miss budget)', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  beforeEach(async () => {
    clock.now = Date.now();
    server = await startTestIssuer({ now: () => clock.now });
  });
  afterEach(() => server.dispose());

  for (const step of STEPS) {
    it(`${step}: ${DEFAULT_RATE_LIMITS.codeMiss.burst} random user codes answer 404, then 429 rate_limited with Retry-After, before any look-up`, async () => {
      const guesser = new Phone(server.url);
      const results: HttpResult[] = [];

      for (let i = 0; i < DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
        results.push(
          await guesser.post(`/v1/handoffs/${generateUserCode()}/${step}`, bodyOf(step)),
        );
      }
      const { result: over, calls } = await storeCalls(server, () =>
        guesser.post(`/v1/handoffs/${generateUserCode()}/${step}`, bodyOf(step)),
      );
      clock.now += 6_000;
      const refilled = await guesser.post(
        `/v1/handoffs/${generateUserCode()}/${step}`,
        bodyOf(step),
      );

      assert.ok(results.every((result) => answer(result) === '404 not_found'));
      assert.equal(answer(over), '429 rate_limited');
      assert.equal(over.headers.get('retry-after'), '6');
      assert.deepEqual(calls, [], 'the store was read for a refused request');
      assert.equal(answer(refilled), '404 not_found');
    });
  }

  it('counts random hand-off codes and malformed codes as misses too', async () => {
    const guesser = new Phone(server.url);
    for (let i = 0; i < 5; i++) await guesser.decline(generateHandoffCode());
    for (let i = 0; i < 5; i++) await guesser.decline(`not-a-code-${i}`);

    const over = await guesser.decline(generateHandoffCode());

    assert.equal(answer(over), '429 rate_limited');
  });

  it('refuses even this phone’s own payment from an address over its budget', async () => {
    const phone = new Phone(server.url);
    const session = await createSession(server.url);
    const { code } = await createHandoff(server.url, session);
    assert.equal((await phone.claim(code)).status, 200);
    for (let i = 0; i < DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
      await phone.decline(generateUserCode());
    }

    const own = await phone.decline(code);

    assert.equal(answer(own), '429 rate_limited');
  });

  for (const step of ['registration-options', 'verify']) {
    it(`enrolment ${step}: random enrolment codes answer 404, then 429 rate_limited`, async () => {
      const guesser = new Phone(server.url);
      const body = step === 'verify' ? { response: { id: 'AAAA' } } : undefined;
      const results: HttpResult[] = [];

      for (let i = 0; i <= DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
        results.push(await guesser.post(`/v1/enrollments/${generateHandoffCode()}/${step}`, body));
      }

      assert.deepEqual(results.map(answer), [
        ...Array<string>(DEFAULT_RATE_LIMITS.codeMiss.burst).fill('404 not_found'),
        '429 rate_limited',
      ]);
    });
  }
});

describe('unknown and foreign codes on the phone endpoints', () => {
  let server: TestIssuer;
  let owner: Phone;
  let stranger: Phone;
  let claimed: { code: string; userCode: string };
  beforeEach(async () => {
    server = await startTestIssuer({ rateLimits: { codeMiss: GENEROUS, claim: GENEROUS } });
    owner = new Phone(server.url);
    stranger = new Phone(server.url);
    const session = await createSession(server.url);
    const handoff = await createHandoff(server.url, session);
    const claim = await owner.claim(handoff.userCode);
    assert.equal(claim.status, 200);
    claimed = { code: handoff.code, userCode: claim.body.code };
    // The stranger has a cookie of its own, from a payment of its own.
    assert.equal(
      (
        await stranger.claim(
          (await createHandoff(server.url, await createSession(server.url))).code,
        )
      ).status,
      200,
    );
  });
  afterEach(() => server.dispose());

  /** Status, body and header names of an answer (the date aside). */
  const shape = (result: HttpResult) => ({
    status: result.status,
    body: result.body,
    headers: [...result.headers.keys()].filter((name) => name !== 'date').sort(),
  });

  for (const step of STEPS) {
    for (const kind of ['hand-off code', 'user code'] as const) {
      it(`${step} by ${kind}: a code another phone claimed gets the unknown code’s answer, with the same store work`, async () => {
        const foreignCode = kind === 'hand-off code' ? claimed.code : claimed.userCode;
        const unknownCode = kind === 'hand-off code' ? generateHandoffCode() : generateUserCode();

        const foreign = await storeCalls(server, () =>
          stranger.post(`/v1/handoffs/${foreignCode}/${step}`, bodyOf(step)),
        );
        const unknown = await storeCalls(server, () =>
          stranger.post(`/v1/handoffs/${unknownCode}/${step}`, bodyOf(step)),
        );
        const noCookie = await new Phone(server.url).post(
          `/v1/handoffs/${foreignCode}/${step}`,
          bodyOf(step),
        );

        assert.equal(answer(foreign.result), '404 not_found');
        assert.deepEqual(shape(foreign.result), shape(unknown.result));
        assert.deepEqual(shape(noCookie), shape(unknown.result));
        assert.deepEqual(foreign.calls, unknown.calls);
      });
    }
  }

  for (const kind of ['hand-off code', 'user code'] as const) {
    it(`GET status by ${kind}: a code another phone claimed gets the unknown code’s answer, with the same store work`, async () => {
      const foreignCode = kind === 'hand-off code' ? claimed.code : claimed.userCode;
      const unknownCode = kind === 'hand-off code' ? generateHandoffCode() : generateUserCode();

      const foreign = await storeCalls(server, () => stranger.status(foreignCode));
      const unknown = await storeCalls(server, () => stranger.status(unknownCode));
      const noCookie = await new Phone(server.url).status(foreignCode);

      assert.equal(answer(foreign.result), '404 not_found');
      assert.deepEqual(shape(foreign.result), shape(unknown.result));
      assert.deepEqual(shape(noCookie), shape(unknown.result));
      assert.deepEqual(foreign.calls, unknown.calls);
    });
  }
});

describe('audit rows of refused steps', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  beforeEach(async () => {
    clock.now = Date.now();
    server = await startTestIssuer({
      now: () => clock.now,
      rateLimits: { codeMiss: GENEROUS, claim: GENEROUS, handoffCreate: GENEROUS },
    });
  });
  afterEach(() => server.dispose());

  const rows = async (action: string) =>
    (await server.issuer.store.listAudit()).filter((entry) => entry.action === action);

  /** A payment this phone claimed and declined: every later decline is a refused step. */
  async function declined(phone: Phone): Promise<string> {
    const { code } = await createHandoff(server.url, await createSession(server.url));
    assert.equal((await phone.claim(code)).status, 200);
    assert.equal((await phone.decline(code)).status, 200);
    return code;
  }

  it(`writes at most ${REFUSAL_AUDITS_PER_MINUTE} a minute per client, then one row counting the dropped ones`, async () => {
    const phone = new Phone(server.url);
    const code = await declined(phone);

    const flood: HttpResult[] = [];
    for (let i = 0; i < 100; i++) flood.push(await phone.decline(code));
    const inFirstMinute = (await rows('phone.decline.refused')).length;
    clock.now += 60_000;
    await phone.decline(code);
    const [summary, ...more] = await rows('audit.refusals_dropped');

    assert.ok(flood.every((result) => answer(result) === '409 session_declined'));
    assert.equal(inFirstMinute, REFUSAL_AUDITS_PER_MINUTE);
    assert.equal((await rows('phone.decline.refused')).length, REFUSAL_AUDITS_PER_MINUTE + 1);
    assert.deepEqual(more, []);
    assert.equal(summary?.detail?.dropped, 100 - REFUSAL_AUDITS_PER_MINUTE);
    assert.deepEqual(summary?.detail?.actions, {
      'phone.decline.refused': 100 - REFUSAL_AUDITS_PER_MINUTE,
    });
  });

  it('writes the summary when the sweeper finds the minute over, with no further request', async () => {
    const phone = new Phone(server.url);
    const code = await declined(phone);
    for (let i = 0; i < REFUSAL_AUDITS_PER_MINUTE + 7; i++) await phone.decline(code);

    clock.now += 61_000;
    await server.issuer.sweep();
    const [summary] = await rows('audit.refusals_dropped');

    assert.equal(summary?.detail?.dropped, 7);
  });

  it(`keeps .denied rows of unknown and foreign codes to ${REFUSAL_AUDITS_PER_MINUTE} a minute, even with no miss budget`, async () => {
    const guesser = new Phone(server.url);

    for (let i = 0; i < 80; i++) await guesser.decline(generateHandoffCode());

    assert.equal((await rows('phone.decline.denied')).length, REFUSAL_AUDITS_PER_MINUTE);
  });

  it(`still writes every approval.failed row and locks after ${MAX_FAILED_ATTEMPTS}, with the client’s refusal budget spent`, async () => {
    const phone = new Phone(server.url);
    const code = await declined(phone);
    for (let i = 0; i < REFUSAL_AUDITS_PER_MINUTE + 10; i++) await phone.decline(code);
    const session = await createSession(server.url);
    const { bindingCode } = (await publicSession(server.url, session)).body;
    const handoff = await createHandoff(server.url, session);
    assert.equal((await phone.claim(handoff.code)).status, 200);
    await phone.enrol();

    const attempts: HttpResult[] = [];
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const options = await phone.authenticationOptions(handoff.code, bindingCode);
      const unverified = await phone.assert(options.body, { userVerified: false });
      attempts.push(await phone.confirm(handoff.code, unverified));
    }
    const failed = (await server.issuer.store.listAudit({ sessionId: session.id })).filter(
      (entry) => entry.action === 'approval.failed',
    );
    const row = (server.issuer.store as SqliteStore).db
      .prepare('SELECT status, failed_attempts AS n FROM sessions WHERE id = ?')
      .get(session.id) as { status: string; n: number };

    assert.equal(failed.length, MAX_FAILED_ATTEMPTS);
    assert.deepEqual(row, { status: 'failed', n: MAX_FAILED_ATTEMPTS });
    assert.equal(answer(attempts.at(-1) as HttpResult), '409 session_failed');
  });
});
