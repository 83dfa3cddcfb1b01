/**
 * Script injection against the demo (scripts/demo.mjs, as `npm run demo` runs it): the demo
 * merchant's name is a payload (written into the issuer's database before the demo starts; the
 * seed keeps an existing merchant's name), then a whole purchase runs — shop page, phone page,
 * order page — and a hostile order id is put in the order page's URL. Everything shows as text and
 * nothing runs. test/e2e/demo.spec.ts covers the demo's happy path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, startIssuer, type SqliteStore } from '../../src/server/index.js';
import {
  INJECTED_SELECTOR,
  XSS_MERCHANT_NAME,
  XSS_ORDER_ID,
  countDeep,
  readXss,
} from '../hardening/support/payloads.js';
import { freePort } from '../server/support/process.js';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

async function expectNothingRan(page: Page): Promise<void> {
  expect(await page.evaluate(readXss)).toBeUndefined();
  expect(await page.evaluate(countDeep, INJECTED_SELECTOR)).toBe(0);
}

test.describe('the demo with a hostile merchant name', () => {
  let demo: ChildProcess;
  let output = '';
  let shopUrl: string;
  let issuerUrl: string;
  let dataDir: string;

  test.beforeAll(async () => {
    const [issuerPort, shopPort] = [await freePort(), await freePort()];
    shopUrl = `http://localhost:${shopPort}`;
    issuerUrl = `http://localhost:${issuerPort}`;
    dataDir = mkdtempSync(join(tmpdir(), 'dualpay-hardening-demo-'));
    const seeding = await startIssuer({
      db: join(dataDir, 'issuer.db'),
      port: 0,
      seedDemo: true,
      sweepIntervalMs: 0,
    });
    (seeding.issuer.store as SqliteStore).db
      .prepare('UPDATE merchants SET name = ? WHERE id = ?')
      .run(XSS_MERCHANT_NAME, DEMO.merchantId);
    await seeding.close();
    demo = spawn(process.execPath, ['scripts/demo.mjs'], {
      env: {
        ...process.env,
        ISSUER_PORT: String(issuerPort),
        SHOP_PORT: String(shopPort),
        DEMO_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 30_000 }).toContain('dualpay demo is running');
  });

  test.afterAll(async () => {
    if (demo.exitCode === null) {
      const exited = new Promise((resolve) => demo.on('exit', resolve));
      demo.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('shop page, phone page and order page show the name as text and run nothing', async ({
    browser,
  }) => {
    const shopContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const checkout = new CheckoutPage(await shopContext.newPage(), 'hardening-demo');
    const phoneContext = await browser.newContext(PHONE);
    const phone = await PhonePages.open(phoneContext, 'hardening-demo-phone');
    const enrolment = await fetch(`${issuerUrl}/v1/accounts/${DEMO.accountId}/enrollments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.adminKey}` },
    });
    await phone.enrolSimulated(((await enrolment.json()) as { url: string }).url);

    await checkout.page.goto(shopUrl);
    await checkout.page.getByRole('button', { name: /^Add/ }).first().click();
    await checkout.startPayment();
    const shopHeader = checkout.element.locator('header .merchant');
    await expect(shopHeader).toHaveText(XSS_MERCHANT_NAME);
    await expectNothingRan(checkout.page);
    await phone.openPayment((await checkout.qr.getAttribute('data-url')) ?? '');
    await phone.expectDetails();
    expect(await phone.details()).toContain(XSS_MERCHANT_NAME);
    await expectNothingRan(phone.page);
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approveWithSimulatedCard();

    await checkout.page.waitForURL(/\/order\.html\?id=/, { timeout: 15_000 });
    await expect(checkout.page.locator('#claims')).toBeVisible();
    expect(await checkout.page.locator('#claim-list').textContent()).toContain(DEMO.merchantId);
    await expectNothingRan(checkout.page);
    await expectNothingRan(phone.page);
    await shopContext.close();
    await phoneContext.close();
  });

  test('the order page shows a hostile order id in its URL as not found and runs nothing', async ({
    page,
  }) => {
    await page.goto(`${shopUrl}/order.html?id=${encodeURIComponent(XSS_ORDER_ID)}`);

    // The page refuses the id before asking the shop: a failure status, the id nowhere.
    await expect(page.locator('#order-status')).toHaveClass(/\bbad\b/);
    await expectNothingRan(page);
    expect(await page.locator('body').innerText()).not.toContain('<svg');
    expect(await page.locator('#order-id').textContent()).toBe('');
  });
});
