/**
 * The HTML shells of the phone pages (`src/server/http/pages.ts`, `routes/phone-pages.ts`): which
 * code the page gets, the colour scheme before the script runs, and the words without script.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateHandoffCode } from '../../src/protocol/index.js';
import { request, startTestIssuer, type TestIssuer } from './support/harness.js';

describe('phone page shells', () => {
  let server: TestIssuer;
  before(async () => (server = await startTestIssuer()));
  after(() => server.dispose());

  const page = async (path: string) => (await request<string>(server.url, 'GET', path)).body;
  const codeAttribute = (html: string) =>
    /<dualpay-confirm-page(?: code="([^"]*)")?>/.exec(html)?.[1] ?? null;

  it('hands a hand-off code to the page as its code attribute', async () => {
    const code = generateHandoffCode();

    assert.equal(codeAttribute(await page(`/h/${code}`)), code);
  });

  it('hands a user code (the URL after a claim typed at /h) to the page, canonical, so a reload keeps the payment', async () => {
    assert.equal(codeAttribute(await page('/h/KNCZMDSM')), 'KNCZMDSM');
    assert.equal(codeAttribute(await page('/h/kncz-mdsm')), 'KNCZMDSM');
  });

  it('hands nothing else to the page', async () => {
    assert.equal(codeAttribute(await page('/h/%3Cscript%3E')), null);
    assert.equal(codeAttribute(await page('/h/AEIOUAEI')), null);
  });

  it('paints dark before the script in a dark-mode browser, and says it needs script in both languages', async () => {
    const html = await page('/h');

    assert.match(html, /<meta name="color-scheme" content="light dark">/);
    assert.match(
      html,
      /<noscript>.*JavaScript.*<p lang="ko">[^<]*JavaScript[^<]*<\/p>.*<\/noscript>/s,
    );
  });
});
