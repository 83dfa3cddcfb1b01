/**
 * What the phone's browser loads for Web Push from the issuer's origin: the service worker at
 * `/sw.js` (root scope, JavaScript, the API's strict headers) and the shell of the payment page a
 * notification opens (`/p/:sessionId`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, startTestIssuer, type TestIssuer } from './support/harness.js';

describe('the service worker and the payment page', () => {
  let server: TestIssuer;
  let empty: TestIssuer;
  before(async () => {
    const assets = mkdtempSync(join(tmpdir(), 'dualpay-phone-'));
    writeFileSync(join(assets, 'sw.js'), 'self.addEventListener("push", () => {});\n');
    server = await startTestIssuer({ phoneAssetsDir: assets });
    empty = await startTestIssuer({ phoneAssetsDir: mkdtempSync(join(tmpdir(), 'dualpay-none-')) });
  });
  after(async () => {
    await server.dispose();
    await empty.dispose();
  });

  it('serves /sw.js as JavaScript with the strict headers, revalidated on every update check', async () => {
    const result = await request<string>(server.url, 'GET', '/sw.js');

    assert.equal(result.status, 200);
    assert.match(result.body, /addEventListener\("push"/);
    assert.equal(result.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(result.headers.get('cache-control'), 'no-cache');
    assert.equal(result.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(
      result.headers.get('content-security-policy'),
      "default-src 'none'; frame-ancestors 'none'",
    );
    // At the root, its scope is the whole origin without Service-Worker-Allowed.
    assert.equal(result.headers.get('service-worker-allowed'), null);
  });

  it('answers 404 not_found when no service worker was built', async () => {
    const result = await request<{ error: { code: string } }>(empty.url, 'GET', '/sw.js');

    assert.equal(result.status, 404);
    assert.equal(result.body.error.code, 'not_found');
  });

  it('hands a session id to the payment page, and nothing else', async () => {
    const page = async (path: string) => (await request<string>(server.url, 'GET', path)).body;
    const element = /<dualpay-payment-page(?: session-id="([^"]*)")?><\/dualpay-payment-page>/;

    assert.equal(element.exec(await page('/p/cs_abcdefghijkl'))?.[1], 'cs_abcdefghijkl');
    assert.match(await page('/p/cs_abcdefghijkl'), /src="\/assets\/phone\/payment\.js"/);
    const other = element.exec(await page('/p/%3Cscript%3E'));
    assert.ok(other);
    assert.equal(other[1], undefined);
  });
});
