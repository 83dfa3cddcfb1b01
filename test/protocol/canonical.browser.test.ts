import { expect } from '@open-wc/testing';
import { canonicalTransaction, transactionHash } from '../../src/protocol/index.js';
import { TRANSACTION_VECTORS } from './vectors.js';

describe('transactionHash in Chromium', () => {
  it('runs in a real browser with Web Crypto', () => {
    expect(navigator.userAgent).to.match(/Chrome\//);
    expect(globalThis.crypto.subtle).to.exist;
  });

  for (const vector of TRANSACTION_VECTORS) {
    it(`gives the same canonical form and txn as Node for the "${vector.name}" vector`, async () => {
      const txn = await transactionHash(vector.input);

      expect(canonicalTransaction(vector.input)).to.equal(vector.canonical);
      expect(txn).to.equal(vector.txn);
    });
  }
});
