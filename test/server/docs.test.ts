import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestIssuer, type TestIssuer } from './support/harness.js';

describe('docs/protocol.md and the issuer', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  it('documents every route the issuer serves, as `METHOD /path`', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    const routes = server.app.routeList;

    const missing = routes.filter((route) => !doc.includes(`\`${route}\``));

    assert.ok(routes.length >= 20, `only ${routes.length} routes`);
    assert.deepEqual(missing, []);
  });
});
