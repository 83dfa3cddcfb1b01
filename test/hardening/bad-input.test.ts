/**
 * Property-based hostile input for every endpoint (fast-check): generated bodies, query strings,
 * headers and path segments get only documented 4xx answers, never a 5xx, and leave the database
 * invariants intact. test/server/validation.test.ts holds the hand-picked cases; this file
 * generates. `npm run test:soak` runs the same properties with many more runs
 * (test/hardening/soak/bad-input.soak.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isApiErrorBody, isErrorCode } from '../../src/protocol/index.js';
import {
  ENDPOINT_NAMES,
  buildRequest,
  checkEndpoint,
  contractBreach,
  startBadInputWorld,
  type BadInputWorld,
} from './support/bad-input.js';
import { invariantViolations } from './support/invariants.js';
import { rawRequest } from './support/raw-http.js';

const RUNS = Number(process.env.HARDENING_BAD_INPUT_RUNS ?? 20);

describe('every issuer endpoint under generated hostile input', () => {
  let world: BadInputWorld;
  before(async () => {
    world = await startBadInputWorld();
  });
  after(() => world.close());

  it('starts from a database whose invariants hold (settled payments in the ledger)', () => {
    const settled = world.db
      .prepare("SELECT COUNT(*) AS n FROM sessions WHERE status = 'settled'")
      .get() as { n: number };

    assert.equal(settled.n, 2);
    assert.deepEqual(invariantViolations(world.db), []);
  });

  // Node's HTTP parser refuses a request head over 16 KiB (maxHeaderSize), or one that breaks
  // HTTP syntax, before Fastify routes it; Fastify's default clientErrorHandler then answers in
  // its own shape. docs/protocol.md: "Every error is {error: {code, message}}".
  for (const [label, target, headers] of [
    ['a 20 KiB query string', `/healthz?q=${'x'.repeat(20 * 1024)}`, {}],
    ['a 20 KiB header', '/v1/checkout-sessions', { 'x-padding': 'y'.repeat(20 * 1024) }],
    ['a control character in a header', '/healthz', { 'x-note': 'a\u0001b' }],
  ] as const) {
    it(`answers a request head with ${label} with a 4xx in the documented error shape`, async () => {
      const response = await rawRequest(world.server.port, { method: 'GET', target, headers });

      assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
      assert.ok(
        isApiErrorBody(response.json) && isErrorCode(response.json.error.code),
        `${response.status} ${response.text}`,
      );
    });
  }

  for (const name of ENDPOINT_NAMES) {
    it(`${name} answers ${RUNS} generated requests with documented codes and keeps the invariants`, async () => {
      await checkEndpoint(world, name, RUNS);
    });
  }
});

describe('contractBreach (the oracle of the properties above)', () => {
  const built = buildRequest(
    { method: 'GET', template: '/h/{0}', params: ['x'], headers: {}, mayServe: true },
    [{ kind: 'segment', index: 0, segment: '%3Cscript%3E' }],
  );
  const response = (status: number, json: unknown, text = JSON.stringify(json)) => ({
    status,
    headers: {},
    json,
    text,
  });

  it('flags a 5xx, an undocumented status for a code, a bare error and a reflected segment', () => {
    const breaches = [
      contractBreach(
        response(500, { error: { code: 'internal_error', message: 'x' } }),
        built,
        true,
      ),
      contractBreach(response(400, { error: { code: 'not_found', message: 'x' } }), built, true),
      contractBreach(response(400, { error: 'Bad Request' }), built, true),
      contractBreach(response(200, undefined, '<p><script></p>'), built, true),
    ];

    assert.ok(
      breaches.every((breach) => breach !== null),
      JSON.stringify(breaches),
    );
  });

  it('flags a 2xx for a body that repeats a key, and accepts its refusal', () => {
    const duplicate = buildRequest(
      {
        method: 'POST',
        template: '/v1/checkout-sessions',
        params: [],
        headers: {},
        body: { amount: 1, currency: 'KRW', orderId: 'o' },
      },
      [{ kind: 'duplicate-key', pick: 0, escape: true, value: 999999 }],
    );

    assert.equal(
      duplicate.body,
      '{"amount":1,"currency":"KRW","orderId":"o","\\u0061mount":999999}',
    );
    assert.notEqual(contractBreach(response(201, { id: 'cs_x' }), duplicate, false), null);
    assert.equal(
      contractBreach(
        response(400, { error: { code: 'invalid_request', message: 'x' } }),
        duplicate,
        false,
      ),
      null,
    );
  });

  it('accepts a documented error and a page that does not reflect the input', () => {
    const breaches = [
      contractBreach(response(404, { error: { code: 'not_found', message: 'x' } }), built, true),
      contractBreach(response(200, undefined, '<main></main>'), built, true),
    ];

    assert.deepEqual(breaches, [null, null]);
  });
});
