import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CheckoutError,
  ERROR_CODES,
  ERROR_SUMMARIES,
  httpStatusFor,
  isApiErrorBody,
  isErrorCode,
} from '../../src/protocol/index.js';

describe('ERROR_CODES', () => {
  it('are snake_case with a summary and a 4xx, 500, 503 or client-only status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const summary = ERROR_SUMMARIES[code as keyof typeof ERROR_CODES];
      assert.match(code, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(summary.length > 10, code);
      assert.ok(
        status === 0 || status === 500 || status === 503 || (status >= 400 && status < 500),
        code,
      );
    }
  });

  it('map the documented statuses', () => {
    assert.equal(httpStatusFor('unauthorized'), 401);
    assert.equal(httpStatusFor('idempotency_conflict'), 409);
    assert.equal(httpStatusFor('slow_down'), 429);
    assert.equal(httpStatusFor('network_error'), 400);
  });
});

describe('CheckoutError', () => {
  it('carries a stable code, the code as default message, and the cause', () => {
    const cause = new TypeError('Failed to fetch');

    const error = new CheckoutError('network_error', undefined, { cause });

    assert.ok(error instanceof Error);
    assert.equal(error.name, 'CheckoutError');
    assert.equal(error.code, 'network_error');
    assert.equal(error.message, 'network_error');
    assert.equal(error.cause, cause);
  });

  it('serialises as the wire error body', () => {
    const body = JSON.parse(JSON.stringify(new CheckoutError('slow_down', 'Poll every 7 s')));

    assert.deepEqual(body, { error: { code: 'slow_down', message: 'Poll every 7 s' } });
    assert.ok(isApiErrorBody(body));
  });

  it('recognises codes and error bodies and nothing else', () => {
    assert.equal(isErrorCode('slow_down'), true);
    assert.equal(isErrorCode('toString'), false);
    assert.equal(isErrorCode('__proto__'), false);
    assert.equal(isApiErrorBody({ error: { code: 1, message: 'x' } }), false);
    assert.equal(isApiErrorBody(null), false);
  });
});
