import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/protocol/index.js';

const protocolDoc = readFileSync('docs/protocol.md', 'utf8');

/** Rows of the "Error codes" table: code → documented status. */
function documentedErrorCodes(): Map<string, string> {
  const rows = protocolDoc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3}|client only)\s*\|/gm);
  return new Map([...rows].map(([, code = '', status = '']) => [code, status]));
}

describe('docs/protocol.md', () => {
  it('documents every error code with its HTTP status, and no others', () => {
    const documented = documentedErrorCodes();
    const expected = new Map(
      Object.entries(ERROR_CODES).map(([code, { status }]) => [
        code,
        status === 0 ? 'client only' : String(status),
      ]),
    );

    assert.deepEqual(documented, expected);
  });
});
