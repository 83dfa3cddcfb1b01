import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RECOVERY_CODE_ALPHABET,
  formatRecoveryCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
} from '../../src/protocol/index.js';

const SAMPLES = 2000;

describe('generateRecoveryCode', () => {
  it('makes 16 Crockford base32 characters in four groups of four, never repeating', () => {
    const codes = Array.from({ length: SAMPLES }, generateRecoveryCode);

    for (const code of codes)
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.equal(new Set(codes).size, SAMPLES);
  });

  it('uses all 32 characters of the alphabet (80 bits: 5 per character)', () => {
    const characters = new Set(Array.from({ length: SAMPLES }, generateRecoveryCode).join(''));
    characters.delete('-');

    assert.equal(RECOVERY_CODE_ALPHABET.length, 32);
    assert.equal(characters.size, 32);
  });
});

describe('normalizeRecoveryCode', () => {
  it('reads any case, spaces, dashes, full-width characters and the aliases I, L → 1 and O → 0', () => {
    const canonical = '7GQ2M0XK4TZB9C1N';

    for (const typed of [
      '7GQ2-M0XK-4TZB-9C1N',
      '7gq2 m0xk 4tzb 9c1n',
      ' 7GQ2M0XK4TZB9C1N ',
      '7GQ2–MOXK—4TZB_9CIN',
      '７ＧＱ２ＭＯＸＫ４ＴＺＢ９ＣＬＮ',
    ]) {
      assert.equal(normalizeRecoveryCode(typed), canonical, typed);
    }
    assert.equal(formatRecoveryCode('7gq2m0xk4tzb9c1n'), '7GQ2-M0XK-4TZB-9C1N');
  });

  it('refuses what cannot be a code: U, wrong length, other characters, non-strings', () => {
    for (const bad of [
      '7GQ2-M0XK-4TZB-9C1U',
      '7GQ2-M0XK-4TZB-9C1',
      '7GQ2-M0XK-4TZB-9C1NN',
      '7GQ2-M0XK-4TZB-9C1*',
      'x'.repeat(65),
      '',
      42,
      null,
    ]) {
      assert.equal(normalizeRecoveryCode(bad), null, String(bad));
    }
    assert.throws(() => formatRecoveryCode('nope'), TypeError);
  });
});
