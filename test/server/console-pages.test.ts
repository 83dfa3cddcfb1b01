import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderPage } from '../../src/server/http/pages.js';
import { request, startTestIssuer, type TestIssuer } from './support/harness.js';

describe('the operator console pages (routes/console-pages.ts)', () => {
  let server: TestIssuer;
  let assets: string;
  before(async () => {
    assets = mkdtempSync(join(tmpdir(), 'dualpay-console-assets-'));
    writeFileSync(join(assets, 'console.js'), 'export {};\n');
    server = await startTestIssuer({ consoleAssetsDir: assets });
  });
  after(async () => {
    await server.dispose();
    rmSync(assets, { recursive: true, force: true });
  });

  for (const path of [
    '/console',
    '/console/',
    '/console/accounts/acct_demo',
    '/console/accounts/new',
    '/console/merchants/m_demo',
    '/console/audit?accountId=acct_demo',
    '/console/no/such/screen',
  ]) {
    it(`${path} is the console shell with a strict CSP, no framing, no caching, no opener`, async () => {
      const result = await request<string>(server.url, 'GET', path);

      assert.equal(result.status, 200);
      const csp = result.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /style-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(result.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(result.headers.get('cache-control'), 'no-store');
      assert.equal(result.headers.get('x-frame-options'), 'DENY');
      assert.equal(result.headers.get('referrer-policy'), 'no-referrer');
      assert.match(result.headers.get('x-robots-tag') ?? '', /noindex/);
      assert.match(result.body, /<dualpay-console><\/dualpay-console>/);
      assert.match(result.body, /<script type="module" src="\/assets\/console\/console.js">/);
      assert.doesNotMatch(result.body, /<script>|style=|<main>/);
    });
  }

  it('answers HEAD on the shell with the headers of GET', async () => {
    const result = await fetch(new URL('/console/merchants', server.url), { method: 'HEAD' });

    assert.equal(result.status, 200);
    assert.equal(result.headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  it('serves the built bundle from dist/console as JavaScript', async () => {
    const result = await request<string>(server.url, 'GET', '/assets/console/console.js');

    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(result.headers.get('cache-control'), 'no-cache');
    assert.equal(result.body, 'export {};\n');
  });

  for (const file of ['missing.js', 'console.ts', '..%2Fconsole.js', '.console.js', 'a%00.js']) {
    it(`answers 404 not_found for the asset ${file}`, async () => {
      const result = await request<{ error: { code: string } }>(
        server.url,
        'GET',
        `/assets/console/${file}`,
      );

      assert.equal(result.status, 404);
      assert.equal(result.body.error.code, 'not_found');
    });
  }
});

describe('renderPage (pages.ts)', () => {
  it('still wraps the phone pages in <main> and loads /assets/phone/', () => {
    const page = renderPage({
      title: 't',
      script: 'enroll.js',
      tag: 'x-page',
      attributes: { code: '"<' },
    });

    assert.match(page, /<main>\n<x-page code="&#34;&#60;"><\/x-page>\n<noscript>/);
    assert.match(page, /src="\/assets\/phone\/enroll.js"/);
  });
});
