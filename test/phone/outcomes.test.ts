import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeOfCode, outcomeOfStatus, needsStatus } from '../../src/phone/outcomes.js';

describe('outcomes of the confirmation page', () => {
  it('shows a payment that ended as its result: paid, declined, cancelled, expired, stopped', () => {
    assert.equal(outcomeOfCode('session_settled'), 'approved');
    assert.equal(outcomeOfCode('session_declined'), 'declined');
    assert.equal(outcomeOfCode('session_cancelled'), 'cancelled');
    assert.equal(outcomeOfCode('session_expired'), 'expired');
    assert.equal(outcomeOfCode('binding_mismatch'), 'mismatch');
    assert.equal(outcomeOfCode('session_failed'), 'locked');
    assert.equal(outcomeOfCode('limit_exceeded'), 'limit');
  });

  it('tells a replaced code from an expired one', () => {
    assert.equal(outcomeOfCode('handoff_replaced'), 'replaced');
    assert.equal(outcomeOfCode('handoff_expired'), 'code-expired');
  });

  it('keeps the payment going on errors that end nothing', () => {
    for (const code of [
      'authentication_failed',
      'aborted',
      'network_error',
      'not_found',
      'handoff_claimed',
    ] as const) {
      assert.equal(outcomeOfCode(code), null, code);
    }
  });

  it('reads the polled status: nothing while claimed, the reason once it ended', () => {
    assert.equal(outcomeOfStatus({ status: 'claimed' }), null);
    assert.equal(outcomeOfStatus({ status: 'settled' }), 'approved');
    assert.equal(
      outcomeOfStatus({ status: 'failed', error: { code: 'binding_mismatch', message: '' } }),
      'mismatch',
    );
    assert.equal(outcomeOfStatus({ status: 'failed' }), 'locked');
    assert.equal(outcomeOfStatus({ status: 'cancelled' }), 'cancelled');
    assert.equal(
      outcomeOfStatus({ status: 'failed', error: { code: 'invalid_request', message: '' } }),
      'stopped',
    );
  });

  it('asks the status only when a claim says the session failed without saying how', () => {
    assert.equal(needsStatus('session_failed'), true);
    assert.equal(needsStatus('session_settled'), false);
  });
});
