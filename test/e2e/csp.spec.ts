import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startIssuer, type RunningIssuer } from '../../src/server/index.js';
import { Phone } from '../server/support/harness.js';
import { Shop } from './support/shop.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

test.describe('the element under a strict CSP', () => {
  let dir: string;
  let issuer: RunningIssuer;
  let shop: Shop;

  test.beforeAll(async () => {
    shop = await Shop.start({
      csp: CSP,
      body: '<dualpay-checkout issuer="{{origin}}" session-url="/api/checkout" handoff="qr" locale="en"></dualpay-checkout>',
    });
    dir = mkdtempSync(join(tmpdir(), 'dualpay-csp-'));
    issuer = await startIssuer({
      db: join(dir, 'issuer.db'),
      port: 0,
      seedDemo: { shopOrigins: [shop.origin] },
      sweepIntervalMs: 0,
    });
    shop.issuerUrl = issuer.url;
  });

  test.afterAll(async () => {
    await shop.close();
    await issuer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`pays with no CSP violation under "${CSP}"`, async ({ page }) => {
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (directive: string) => violations.push(directive));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        (window as unknown as { reportViolation: (d: string) => void }).reportViolation(
          `${event.violatedDirective} ${event.blockedURI}`,
        ),
      );
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const phone = new Phone(issuer.url);
    await phone.enrol();

    await page.goto(shop.origin);
    await page.getByRole('button', { name: 'Pay with your card' }).click();
    const qr = page.locator('dualpay-checkout svg[part="qr"]');
    await expect(qr).toBeVisible();
    const url = (await qr.getAttribute('data-url')) ?? '';
    const settled = page.evaluate(
      () =>
        new Promise<string>((resolve) =>
          document
            .querySelector('dualpay-checkout')
            ?.addEventListener('dualpay-settled', (event) =>
              resolve((event as CustomEvent<{ token: string }>).detail.token),
            ),
        ),
    );
    const binding =
      (await page.locator('dualpay-checkout [part="binding-code"]').textContent()) ?? '';
    const result = await phone.pay(url.split('/h/')[1] ?? '', binding.trim());

    expect(result.status).toBe(200);
    expect(await settled).toMatch(/^ey/);
    await expect(page.locator('dualpay-checkout [part="status"]')).toHaveText(/Payment complete/);
    expect(violations).toEqual([]);
  });
});
