import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { en } from '../../src/console/locales-en.js';
import { ko } from '../../src/console/locales-ko.js';
import {
  consoleLocale,
  consoleMessage,
  documentTypeKey,
  errorMessageKey,
} from '../../src/console/locales.js';
import { DOCUMENT_TYPES } from '../../src/console/types.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console locales (src/console/locales*.ts)', () => {
  it('has the same keys in English and Korean, none empty', () => {
    assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
    for (const [key, text] of [...Object.entries(en), ...Object.entries(ko)]) {
      assert.ok(text.trim().length > 0, key);
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      assert.deepEqual(placeholders(ko[key]), placeholders(en[key]), key);
    }
  });

  it('chooses Korean for ko-* and English for anything else', () => {
    assert.equal(consoleLocale('ko-KR'), 'ko');
    assert.equal(consoleLocale('KO'), 'ko');
    assert.equal(consoleLocale('en-GB'), 'en');
    assert.equal(consoleLocale('fr'), 'en');
    assert.equal(consoleLocale(undefined), 'en');
  });

  it('fills placeholders as text and leaves unknown ones visible', () => {
    assert.equal(
      consoleMessage('en', 'signedInAs', { label: '<b>desk</b>' }),
      'Signed in as <b>desk</b>',
    );
    assert.equal(consoleMessage('ko', 'accountsFound', { count: 3 }), '찾은 계정: 3개.');
    assert.equal(consoleMessage('en', 'signedInAs'), 'Signed in as {label}');
  });

  it('words the error codes an operator meets, and every other code generically', () => {
    assert.equal(errorMessageKey('unauthorized'), 'errorUnauthorized');
    assert.equal(errorMessageKey('rate_limited'), 'errorRateLimited');
    assert.equal(errorMessageKey('merchant_name_taken'), 'errorNameTaken');
    assert.equal(errorMessageKey('network_error'), 'errorNetwork');
    assert.equal(errorMessageKey('something_new'), 'errorGeneric');
    assert.equal(errorMessageKey('__proto__'), 'errorGeneric');
  });

  it('names every document type in both languages', () => {
    for (const type of DOCUMENT_TYPES) {
      assert.notEqual(
        consoleMessage('en', documentTypeKey(type)),
        consoleMessage('ko', documentTypeKey(type)),
      );
    }
  });
});
