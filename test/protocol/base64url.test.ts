import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64urlDecode, base64urlEncode } from '../../src/protocol/index.js';

describe('base64url', () => {
  it('matches Node for every length from 0 to 64 bytes', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length * 11) & 0xff);
      const encoded = base64urlEncode(bytes);

      assert.equal(encoded, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(base64urlDecode(encoded), bytes);
    }
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    assert.throws(() => base64urlDecode('ab+c'), TypeError);
    assert.throws(() => base64urlDecode('abc='), TypeError);
    assert.throws(() => base64urlDecode('abcde'), TypeError);
  });
});
