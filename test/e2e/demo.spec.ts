/**
 * The demo itself, as `npm run demo` runs it (after the build): buy a product on the demo shop,
 * enrol a card from its integrator panel, scan the QR from a screenshot, approve on the phone
 * with a virtual authenticator, and land on the order page with the verified claims. Then
 * Ctrl-C stops both servers cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from '../server/support/process.js';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';

test.describe('the demo (scripts/demo.mjs)', () => {
  let demo: ChildProcess;
  let output = '';
  let shopUrl: string;
  let issuerUrl: string;
  let dataDir: string;
  let exited: Promise<number | null>;

  test.beforeAll(async () => {
    const [issuerPort, shopPort] = [await freePort(), await freePort()];
    shopUrl = `http://localhost:${shopPort}`;
    issuerUrl = `http://localhost:${issuerPort}`;
    dataDir = mkdtempSync(join(tmpdir(), 'dualpay-demo-'));
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
    exited = new Promise((resolve) => demo.on('exit', (code) => resolve(code)));
    await expect.poll(() => output, { timeout: 30_000 }).toContain('dualpay demo is running');
  });

  test.afterAll(async () => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('prints both URLs and the demo credentials', () => {
    expect(output).toContain(`shop    ${shopUrl}`);
    expect(output).toContain(`issuer  ${issuerUrl}`);
    expect(output).toContain('sk_test_demo');
    expect(output).toContain('ak_test_demo');
  });

  test('buy a coffee: enrol from the panel, scan, approve; the order page shows verified claims', async ({
    browser,
  }) => {
    const shopContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shopPage = await shopContext.newPage();
    const checkout = new CheckoutPage(shopPage, 'demo');
    const phoneContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    const phone = await PhonePages.open(phoneContext, 'demo-phone');
    const errors: string[] = [];
    shopPage.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await shopPage.goto(shopUrl);
    await shopPage.getByText('Integrator panel').click();
    const enrolPopup = shopContext.waitForEvent('page');
    await shopPage.getByRole('button', { name: 'Enrol a test card' }).click();
    await (await enrolPopup).close();
    const enrolUrl = await shopPage.locator('#enrol-result a').getAttribute('href');
    await phone.enrol(enrolUrl ?? '');
    await shopPage.getByRole('button', { name: /^Add/ }).first().click();
    await expect(shopPage.locator('#cart-total')).not.toHaveText('₩0');
    await checkout.startPayment();
    const url = await checkout.scanQr();
    await phone.openPayment(url);
    await phone.expectDetails();
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();

    await expect(phone.heading()).toHaveText(/Payment approved/);
    await shopPage.waitForURL(/\/order\.html\?id=/);
    await expect(shopPage.locator('#claims')).toBeVisible();
    await checkout.snap('order');
    const claims = (await shopPage.locator('#claim-list').textContent()) ?? '';
    expect(claims).toContain('m_demo');
    expect(claims).toMatch(/stl_/);
    // The demo issuer has no attestation roots: every card is a test card (software-secured key).
    expect(claims).toMatch(/swk/);
    expect(url.startsWith(`${issuerUrl}/h/`)).toBe(true);
    expect(errors).toEqual([]);
    await shopContext.close();
    await phoneContext.close();
  });

  test('Ctrl-C stops the shop and the issuer, exiting 0', async () => {
    demo.kill('SIGINT');

    expect(await exited).toBe(0);
    await expect(fetch(`${shopUrl}/api/products`)).rejects.toThrow();
    await expect(fetch(`${issuerUrl}/healthz`)).rejects.toThrow();
  });
});
