/**
 * `GET /v1/enrollments/:code`: the enrolment page checks its link when it opens, so a used or
 * expired link says so at once instead of after the payer pressed "Register". A read: no
 * challenge, nothing written.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ENROLLMENT_TTL_MS, generateHandoffCode } from '../../src/protocol/index.js';
import { sha256Hex } from '../../src/server/crypto.js';
import { DEFAULT_RATE_LIMITS, DEMO } from '../../src/server/index.js';
import {
  Phone,
  errorCodeOf,
  request,
  startTestIssuer,
  type HttpResult,
  type TestIssuer,
} from './support/harness.js';

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const answer = (result: HttpResult) => `${result.status} ${errorCodeOf(result.body) ?? ''}`.trim();

describe('GET /v1/enrollments/:code', () => {
  let server: TestIssuer;
  const clock = { now: Date.now() };
  beforeEach(async () => {
    clock.now = Date.now();
    server = await startTestIssuer({ now: () => clock.now });
  });
  afterEach(() => server.dispose());

  async function newEnrollment(): Promise<string> {
    const made = await request<{ code: string }>(
      server.url,
      'POST',
      `/v1/accounts/${DEMO.accountId}/enrollments`,
      { token: DEMO.adminKey },
    );
    assert.equal(made.status, 201);
    return made.body.code;
  }

  const status = (code: string, headers: Record<string, string> = SAME_ORIGIN) =>
    request<{ status: string }>(server.url, 'GET', `/v1/enrollments/${code}`, { headers });

  it('says live for a fresh code, without issuing a challenge', async () => {
    const code = await newEnrollment();

    const live = await status(code);

    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'live' });
    assert.equal(live.headers.get('cache-control'), 'no-store');
    const stored = await server.issuer.store.getEnrollment(sha256Hex(code));
    assert.equal(stored?.challenge, null);
  });

  it('says used once a card was registered with it', async () => {
    const phone = new Phone(server.url);
    const code = await newEnrollment();
    const options = await phone.post(`/v1/enrollments/${code}/registration-options`);
    const response = await phone.card.createCredential(options.body as never, {
      origin: phone.origin,
    });
    assert.equal((await phone.post(`/v1/enrollments/${code}/verify`, { response })).status, 200);

    assert.deepEqual((await status(code)).body, { status: 'used' });
  });

  it('says expired after its 15 minutes', async () => {
    const code = await newEnrollment();

    clock.now += ENROLLMENT_TTL_MS;

    assert.deepEqual((await status(code)).body, { status: 'expired' });
  });

  it('answers 404 not_found for an unknown or malformed code, spending a miss each', async () => {
    const results: HttpResult[] = [];
    for (let i = 0; i < DEFAULT_RATE_LIMITS.codeMiss.burst - 1; i++) {
      results.push(await status(generateHandoffCode()));
    }
    results.push(await status('not-a-code'));

    const over = await status(await newEnrollment());

    assert.ok(results.every((result) => answer(result) === '404 not_found'));
    assert.equal(answer(over), '429 rate_limited');
  });

  it('refuses a cross-site request with 403 origin_not_allowed before spending a miss', async () => {
    const code = await newEnrollment();
    const crossSite: HttpResult[] = [];
    for (let i = 0; i <= DEFAULT_RATE_LIMITS.codeMiss.burst; i++) {
      crossSite.push(await status(generateHandoffCode(), { 'sec-fetch-site': 'cross-site' }));
    }

    const own = await status(code);

    assert.ok(crossSite.every((result) => answer(result) === '403 origin_not_allowed'));
    assert.deepEqual(own.body, { status: 'live' });
  });
});
