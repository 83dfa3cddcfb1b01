// The test every framework example runs (examples/*/test/page.test.mjs): type-check the page
// against the package's declarations, build it with Vite, then load the build in Chromium and
// check that <dualpay-checkout> renders and that the page's listeners get its events. Run it in
// an example's folder, after `npm ci` there (examples/run.mjs does both).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

const exec = promisify(execFile);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serves `dir` (a Vite build) on a loopback port. */
async function serve(dir) {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = join(dir, normalize(path === '/' ? '/index.html' : path));
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Runs a binary of the example's node_modules/.bin; a failure shows its output. */
async function run(command, args) {
  try {
    return await exec(join('node_modules', '.bin', command), args, { maxBuffer: 16 << 20 });
  } catch (error) {
    assert.fail(`${command} ${args.join(' ')} failed:\n${error.stdout}${error.stderr}`);
  }
}

/**
 * @param {object} example
 * @param {string} example.name  the folder under examples/
 * @param {string} example.title  what the page is, for the test names
 * @param {string[]} example.typecheck  the type-checker and its arguments
 * @param {string} example.listeners  how the page listens, for the test names
 * @param {import('playwright-core').BrowserType} example.chromium  the example's playwright-core
 */
export function testExample({ name, title, typecheck, listeners, chromium }) {
  describe(`examples/${name}: <dualpay-checkout> in ${title}, from the packed package`, () => {
    let browser;
    let server;
    let page;

    before(async () => {
      browser = await chromium.launch(chromiumLaunchOptions());
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it(`type-checks against dualpay/${name} (${typecheck.join(' ')})`, async () => {
      await run(typecheck[0], typecheck.slice(1));
    });

    it('builds with Vite', async () => {
      await run('vite', ['build', '--logLevel', 'warn']);
      server = await serve('dist');
    });

    it('renders in Chromium: status idle, the Pay button, the attributes set', async () => {
      assert.ok(server, 'the build is served');
      page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.origin);
      await page.waitForFunction(() => customElements.get('dualpay-checkout') !== undefined);
      await page.getByRole('button', { name: 'Pay with your card' }).waitFor();

      const element = await page.locator('dualpay-checkout').evaluate((checkout) => ({
        status: checkout.status,
        issuer: checkout.issuer,
        sessionUrl: checkout.sessionUrl,
      }));

      assert.deepEqual(element, {
        status: 'idle',
        issuer: 'https://issuer.example',
        sessionUrl: '/api/checkout',
      });
      assert.deepEqual(errors, []);
    });

    it(`Pay asks the session URL; when it fails, ${listeners} gets dualpay-error`, async () => {
      assert.ok(page, 'the page rendered');
      const requests = [];
      await page.route('**/api/checkout', (route) => {
        requests.push(route.request().method());
        return route.fulfill({ status: 503, contentType: 'application/json', body: '{}' });
      });

      await page.getByRole('button', { name: 'Pay with your card' }).click();
      await page
        .locator('p[role="status"]', { hasText: 'Not paid: session_creation_failed' })
        .waitFor();

      assert.deepEqual(requests, ['POST']);
    });

    it(`${listeners} gets dualpay-settled with the settlement`, async () => {
      assert.ok(page, 'the page rendered');
      await page.locator('dualpay-checkout').evaluate((checkout) => {
        const detail = {
          token: 't',
          sessionId: 'cs_1',
          orderId: 'o_42',
          amount: 4500,
          currency: 'KRW',
        };
        checkout.dispatchEvent(
          new CustomEvent('dualpay-settled', { detail, bubbles: true, composed: true }),
        );
      });

      await page.locator('p[role="status"]', { hasText: 'Paid: order o_42' }).waitFor();
    });
  });
}
