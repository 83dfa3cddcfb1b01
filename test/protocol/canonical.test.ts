import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CheckoutError, canonicalTransaction, transactionHash } from '../../src/protocol/index.js';
import { TRANSACTION_VECTORS } from './vectors.js';

describe('canonicalTransaction', () => {
  for (const vector of TRANSACTION_VECTORS) {
    it(`serialises the "${vector.name}" vector as compact JSON with sorted keys`, () => {
      assert.equal(canonicalTransaction(vector.input), vector.canonical);
    });
  }

  it('ignores properties outside the five fields, so a whole session can be passed', () => {
    const vector = TRANSACTION_VECTORS[0]!;
    const session = { ...vector.input, status: 'claimed', description: 'coffee' };

    assert.equal(canonicalTransaction(session), vector.canonical);
  });

  it('rejects a fractional amount with code invalid_amount', () => {
    const input = { ...TRANSACTION_VECTORS[0]!.input, amount: 15.5 };

    assert.throws(() => canonicalTransaction(input), { code: 'invalid_amount' });
  });

  it('rejects an unknown currency with code unsupported_currency', () => {
    const input = { ...TRANSACTION_VECTORS[0]!.input, currency: 'XYZ' };

    assert.throws(() => canonicalTransaction(input), { code: 'unsupported_currency' });
  });

  it('rejects an empty orderId with code invalid_request', () => {
    const input = { ...TRANSACTION_VECTORS[0]!.input, orderId: '' };

    assert.throws(
      () => canonicalTransaction(input),
      (error: unknown) => {
        return error instanceof CheckoutError && error.code === 'invalid_request';
      },
    );
  });
});

describe('transactionHash', () => {
  for (const vector of TRANSACTION_VECTORS) {
    it(`hashes the "${vector.name}" vector to the fixed txn value`, async () => {
      assert.equal(await transactionHash(vector.input), vector.txn);
    });
  }

  it('equals node:crypto SHA-256 of the canonical UTF-8 bytes', async () => {
    const vector = TRANSACTION_VECTORS[1]!;
    const expected = createHash('sha256').update(vector.canonical, 'utf8').digest('base64url');

    assert.equal(await transactionHash(vector.input), expected);
  });

  it('changes when any field changes', async () => {
    const base = TRANSACTION_VECTORS[0]!.input;
    const variants = [
      { ...base, amount: base.amount + 1 },
      { ...base, currency: 'JPY' },
      { ...base, merchantId: 'm_other' },
      { ...base, orderId: 'order-1002' },
      { ...base, sessionId: 'cs_other' },
    ];

    const hashes = await Promise.all([base, ...variants].map(transactionHash));

    assert.equal(new Set(hashes).size, hashes.length);
  });
});
