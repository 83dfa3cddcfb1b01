import { expect, test } from '@playwright/test';
import { StaticServer, readCdnBundle } from './support/static-server.js';

const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

test.describe('script-tag bundle', () => {
  let server: StaticServer;

  test.beforeAll(async () => {
    const { script, integrity } = await readCdnBundle();
    const page = `<!doctype html>
<html lang="en"><head><title>shop</title>
<script src="/dualpay.js" integrity="${integrity}" crossorigin="anonymous"></script>
</head><body><dualpay-checkout issuer="http://localhost:4010"></dualpay-checkout></body></html>`;
    const tampered = page.replace(integrity, `sha384-${'A'.repeat(64)}`);
    server = await StaticServer.start({
      '/': { body: page, type: 'text/html', headers: { 'content-security-policy': STRICT_CSP } },
      '/tampered': { body: tampered, type: 'text/html' },
      '/dualpay.js': { body: script, type: 'text/javascript' },
    });
  });

  test.afterAll(async () => {
    await server.close();
  });

  test('registers <dualpay-checkout> as a classic script with SRI under a strict CSP', async ({
    page,
  }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|integrity/i.test(message.text()))
        violations.push(message.text());
    });

    await page.goto(server.origin);

    await expect(page.getByRole('button', { name: 'Pay with your card' })).toBeVisible();
    const defined = await page.evaluate(() => customElements.get('dualpay-checkout') !== undefined);
    const globalExports = await page.evaluate(() =>
      Object.keys((window as never)['dualpay']).sort(),
    );
    expect(defined).toBe(true);
    expect(globalExports).toEqual(['CheckoutError', 'DualpayCheckout']);
    expect(violations).toEqual([]);
  });

  test('is refused by the browser when the SRI hash does not match', async ({ page }) => {
    await page.goto(`${server.origin}/tampered`);

    const defined = await page.evaluate(() => customElements.get('dualpay-checkout') !== undefined);
    expect(defined).toBe(false);
  });
});
