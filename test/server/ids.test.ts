import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTime, generateSortableId } from '../../src/server/ids.js';

describe('generateSortableId', () => {
  it('sorts ids made later after ids made earlier, as plain strings', () => {
    const times = [0, 1, 63, 64, 4095, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47];

    const ids = times.map((ms) => generateSortableId('cs', ms));

    assert.deepEqual([...ids].sort(), ids);
    assert.deepEqual(times.map(encodeTime), [...times.map(encodeTime)].sort());
  });

  it('carries the prefix, 8 time characters and 128 random bits in base64url', () => {
    const a = generateSortableId('stl', 1_700_000_000_000);
    const b = generateSortableId('stl', 1_700_000_000_000);

    assert.match(a, /^stl_[A-Za-z0-9_-]{30}$/);
    assert.equal(a.slice(0, 12), b.slice(0, 12));
    assert.notEqual(a, b);
  });
});
