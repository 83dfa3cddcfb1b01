import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HANDOFF_CODE_BYTES,
  USER_CODE_ALPHABET,
  base64urlDecode,
  formatUserCode,
  generateBindingCode,
  generateHandoffCode,
  generateId,
  generateSecret,
  generateUserCode,
  isBindingCode,
  isHandoffCode,
  parseUserCode,
  randomInt,
} from '../../src/protocol/index.js';

const SAMPLES = 2000;

describe('generateHandoffCode', () => {
  it('carries at least 128 bits as unpadded base64url', () => {
    const code = generateHandoffCode();

    assert.ok(HANDOFF_CODE_BYTES * 8 >= 128);
    assert.match(code, /^[A-Za-z0-9_-]+$/);
    assert.equal(base64urlDecode(code).length, HANDOFF_CODE_BYTES);
    assert.ok(isHandoffCode(code));
  });

  it('uses the whole base64url alphabet and never repeats', () => {
    const codes = Array.from({ length: SAMPLES }, generateHandoffCode);
    const characters = new Set(codes.join(''));

    assert.equal(new Set(codes).size, SAMPLES);
    assert.equal(characters.size, 64);
  });

  it('rejects strings that are not hand-off codes', () => {
    for (const bad of [
      '',
      'short',
      'has space in it 123456789',
      'a'.repeat(65),
      'x/y+zzzzzzzzzzzzzzzzzzzzzz',
    ]) {
      assert.equal(isHandoffCode(bad), false, bad);
    }
  });
});

describe('generateUserCode', () => {
  it('is 8 letters of BCDFGHJKLMNPQRSTVWXZ', () => {
    for (let i = 0; i < SAMPLES; i++) {
      assert.match(generateUserCode(), /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    }
  });

  it('draws every letter of the alphabet at a roughly uniform rate', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < SAMPLES; i++) {
      for (const letter of generateUserCode()) counts.set(letter, (counts.get(letter) ?? 0) + 1);
    }
    const expected = (SAMPLES * 8) / USER_CODE_ALPHABET.length;

    assert.equal(counts.size, 20);
    for (const [letter, count] of counts) {
      // 800 expected per letter; ±25% is more than 7 standard deviations.
      assert.ok(Math.abs(count - expected) < expected * 0.25, `${letter}: ${count}`);
    }
  });
});

describe('formatUserCode', () => {
  it('shows the code as XXXX-XXXX', () => {
    assert.equal(formatUserCode('WDJBMJHT'), 'WDJB-MJHT');
  });

  it('refuses text that is not a user code', () => {
    assert.throws(() => formatUserCode('WDJBMJHA'), TypeError);
  });
});

describe('parseUserCode', () => {
  const typed = [
    'WDJB-MJHT',
    'wdjbmjht',
    'wdjb mjht',
    '  WdJb - MjHt ',
    'WD-JB-MJ-HT',
    'WDJB—MJHT',
    'ＷＤＪＢ－ＭＪＨＴ',
    'wdjb_mjht',
  ];
  for (const input of typed) {
    it(`reads ${JSON.stringify(input)} as WDJBMJHT`, () => {
      assert.equal(parseUserCode(input), 'WDJBMJHT');
    });
  }

  const bad: unknown[] = [
    'WDJB-MJH',
    'WDJB-MJHTX',
    'WDJB-MJHA',
    'WDJB-MJH0',
    '',
    42,
    null,
    'W'.repeat(100),
  ];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(parseUserCode(input), null);
    });
  }
});

describe('binding numbers', () => {
  it('are two ASCII digits covering 00 to 99', () => {
    const seen = new Set<string>();
    for (let i = 0; i < SAMPLES * 2; i++) {
      const code = generateBindingCode();
      assert.match(code, /^[0-9]{2}$/);
      seen.add(code);
    }

    assert.equal(seen.size, 100);
  });

  it('are recognised only as two ASCII digits in a string', () => {
    assert.equal(isBindingCode('07'), true);
    for (const bad of ['7', '007', 7, '٠٧', '０７', ' 7', null]) {
      assert.equal(isBindingCode(bad), false, JSON.stringify(bad));
    }
  });
});

describe('generateId and generateSecret', () => {
  it('prefix 128-bit ids and 256-bit secrets', () => {
    assert.match(generateId('cs'), /^cs_[A-Za-z0-9_-]{22}$/);
    assert.match(generateSecret('sk_test'), /^sk_test_[A-Za-z0-9_-]{43}$/);
  });
});

describe('randomInt', () => {
  it('stays in range and refuses bad bounds', () => {
    for (let i = 0; i < SAMPLES; i++) {
      const value = randomInt(3);
      assert.ok(value >= 0 && value < 3);
    }

    assert.throws(() => randomInt(0), RangeError);
    assert.throws(() => randomInt(1.5), RangeError);
  });
});
