/**
 * The demo itself, as `npm run demo` runs it (after the build): buy a product on the demo shop,
 * enrol a card from its integrator panel, scan the QR from a screenshot, approve on the phone
 * with a virtual authenticator, and land on the order page with the verified claims; close the shop
 * tab as the phone approves, and find the order paid from the issuer's signed webhook. Then
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
    const receipt = ((await phone.page.locator('.receipt').textContent()) ?? '').trim();
    await shopPage.waitForURL(/\/order\.html\?id=/);
    await expect(shopPage.locator('#claims')).toBeVisible();
    await checkout.snap('order');
    const issuedAt =
      (await shopPage
        .locator('#claim-list dt', { hasText: 'Issued at' })
        .locator('xpath=following-sibling::dd[1]')
        .textContent()) ?? '';
    // One date format on the phone and the order page: "6 Dec 2026, 11:05:16".
    const shape = (text: string) => text.replace(/\d+/g, '#');
    expect(shape(issuedAt)).toMatch(/^# [A-Z][a-z]{2} #, #:#:#$/);
    expect(shape(receipt)).toContain(shape(issuedAt));
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

  test('in Korean: the payee the phone shows is the shop’s name, the shop speaks Korean throughout, and dates look alike on the phone and the order page', async ({
    browser,
  }) => {
    const shopContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'ko-KR',
    });
    const shopPage = await shopContext.newPage();
    const checkout = new CheckoutPage(shopPage, 'demo-ko');
    const phoneContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      locale: 'ko-KR',
    });
    const phone = await PhonePages.open(phoneContext, 'demo-phone-ko');
    await shopPage.goto(shopUrl);
    await shopPage.getByText('Integrator panel').click();
    const enrolPopup = shopContext.waitForEvent('page');
    await shopPage.getByRole('button', { name: 'Enrol a test card' }).click();
    await (await enrolPopup).close();
    await phone.enrol((await shopPage.locator('#enrol-result a').getAttribute('href')) ?? '');
    const shopSkipLink = await shopPage.locator('.skip-link').textContent();
    await shopPage.getByRole('button', { name: /담기/ }).first().click();
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.expectDetails();
    const shopName = ((await shopPage.locator('h1').textContent()) ?? '').trim();
    const payee = await phone.page.locator('dualpay-confirm-page dd').first().textContent();
    const details = await phone.details();
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();
    await expect(phone.heading()).toHaveText(/결제 승인됨/);
    const receipt = ((await phone.page.locator('.receipt').textContent()) ?? '').trim();
    await shopPage.waitForURL(/\/order\.html\?id=/);
    await expect(shopPage.locator('#claims')).toBeVisible();
    const issuedAt = await shopPage
      .locator('#claim-list dt', { hasText: '발급 시각' })
      .locator('xpath=following-sibling::dd[1]')
      .textContent();
    const skipLink = await shopPage.locator('.skip-link').textContent();
    const title = await shopPage.title();
    await checkout.snap('order-ko');

    expect(payee?.trim()).toBe(shopName);
    expect(details).toContain('커피');
    expect(shopSkipLink).toBe('상점으로 바로 가기');
    expect(skipLink).toBe('주문으로 바로 가기');
    expect(title).toContain('주문');
    // One format: the phone's receipt time and the order page's "issued at" have the same shape.
    const shape = (text: string) => text.replace(/\d+/g, '#');
    expect(shape(issuedAt ?? '')).toBe(
      '#. #. #. 오전 #:#:#'.replace('오전', /오후/.test(issuedAt ?? '') ? '오후' : '오전'),
    );
    expect(shape(receipt)).toContain(shape(issuedAt ?? ''));
    await shopContext.close();
    await phoneContext.close();
  });

  test('a closed shop tab loses nothing: the order the page never confirmed is paid from the signed webhook', async ({
    browser,
  }) => {
    const admin = { authorization: 'Bearer ak_test_demo' };
    const deliveredSettlements = async () => {
      const response = await fetch(`${issuerUrl}/v1/merchants/m_demo/webhook-events?limit=100`, {
        headers: admin,
      });
      const page = (await response.json()) as { events: { type: string; status: string }[] };
      const settled = page.events.filter((event) => event.type === 'checkout.settled');
      return settled.every((event) => event.status === 'delivered') ? settled.length : -1;
    };
    const merchant = (await (
      await fetch(`${issuerUrl}/v1/merchants/m_demo`, { headers: admin })
    ).json()) as { webhookUrl: string };
    expect(merchant.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/dualpay$/);
    const before = await deliveredSettlements();
    const shopContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shopPage = await shopContext.newPage();
    const checkout = new CheckoutPage(shopPage, 'demo-closed-tab');
    const phoneContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    const phone = await PhonePages.open(phoneContext, 'demo-phone-closed-tab');
    await shopPage.goto(shopUrl);
    await shopPage.getByText('Integrator panel').click();
    const enrolPopup = shopContext.waitForEvent('page');
    await shopPage.getByRole('button', { name: 'Enrol a test card' }).click();
    await (await enrolPopup).close();
    await phone.enrol((await shopPage.locator('#enrol-result a').getAttribute('href')) ?? '');
    await shopPage.getByRole('button', { name: /^Add/ }).first().click();
    const created = shopPage.waitForResponse('**/api/checkout');
    await checkout.startPayment();
    const sessionId = ((await (await created).json()) as { id: string }).id;
    await phone.openPayment(await checkout.scanQr());
    await phone.expectDetails();
    await phone.typeNumber(await checkout.bindingCode());
    // Whatever the element hears from here on, the page never tells the shop: the tab closes.
    await shopPage.route('**/api/orders/*/confirm', (route) => route.abort());
    await phone.approve();
    await shopPage.close();
    await expect(phone.heading()).toHaveText(/Payment approved/);

    // The issuer delivers the settlement to the shop's webhook (the shop answers 2xx once paid).
    await expect.poll(deliveredSettlements, { timeout: 20_000 }).toBe(before + 1);
    const session = (await (
      await fetch(`${issuerUrl}/v1/checkout-sessions/${sessionId}`, {
        headers: { authorization: 'Bearer sk_test_demo' },
      })
    ).json()) as { orderId: string; status: string };
    expect(session.status).toBe('settled');
    const order = (await (await fetch(`${shopUrl}/api/orders/${session.orderId}`)).json()) as {
      status: string;
      paidVia: string;
      claims: { sub: string };
    };
    expect([order.status, order.paidVia, order.claims.sub]).toEqual(['paid', 'webhook', sessionId]);

    const reopened = await shopContext.newPage();
    await reopened.goto(`${shopUrl}/order.html?id=${encodeURIComponent(session.orderId)}`);
    await expect(reopened.locator('#order-status')).toHaveText(
      'Paid. The shop verified the settlement token from the issuer’s signed webhook.',
    );
    await expect(reopened.locator('#claims')).toBeVisible();
    await new CheckoutPage(reopened, 'demo-closed-tab').snap('order-from-webhook');
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
