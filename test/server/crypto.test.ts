import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transactionHash } from '../../src/protocol/index.js';
import { transactionHashSync } from '../../src/server/crypto.js';
import { TRANSACTION_VECTORS } from '../protocol/vectors.js';

describe('transactionHashSync', () => {
  for (const vector of TRANSACTION_VECTORS) {
    it(`equals the Web Crypto txn for the "${vector.name}" vector`, async () => {
      assert.equal(transactionHashSync(vector.input), vector.txn);
      assert.equal(transactionHashSync(vector.input), await transactionHash(vector.input));
    });
  }
});
