/**
 * The demo flow on an issuer run as two processes on one PostgreSQL database: the merchant page's
 * element (its session reads and its SSE stream) talks to process B, the phone pages and the
 * payer's approval (real WebAuthn in Chromium) go to process A, whose address is the issuer's
 * public URL. The settlement made on A reaches the page through B's stream (LISTEN/NOTIFY), and
 * the merchant server verifies the token. Needs DATABASE_URL (`npm test` starts a cluster).
 */
import { expect, test, type BrowserContext } from '@playwright/test';
import { freshDatabase, SKIP_POSTGRES } from '../support/postgres.js';
import type { IssuerProcess } from '../server/support/process.js';
import { spawnProcesses, type Processes } from '../server/support/multiprocess.js';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { Shop } from './support/shop.js';

const ADMIN_KEY = 'ak_test_demo';
const CHECKOUT =
  '<main><h1>Shop</h1><dualpay-checkout issuer="{{issuer}}" session-url="/api/checkout" handoff="qr" locale="en"></dualpay-checkout></main>';
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

async function admin<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(path === '/v1/accounts' ? { displayName: 'Kim Min-jun' } : {}),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

test.describe('two issuer processes on one PostgreSQL database', () => {
  test.skip(Boolean(SKIP_POSTGRES), String(SKIP_POSTGRES));

  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let processes: Processes;
  let shop: Shop;
  const contexts: BrowserContext[] = [];

  test.beforeAll(async () => {
    database = await freshDatabase();
    shop = await Shop.start({ body: CHECKOUT });
    processes = await spawnProcesses(database.url, 2, ['--shop-origin', shop.origin]);
  });
  test.afterAll(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await processes?.stop();
    await shop?.close();
    await database?.drop();
  });

  test('the page on B, the phone on A: the page ends settled through B’s stream and the token verifies', async ({
    browser,
  }) => {
    const [a, b] = processes.list as [IssuerProcess, IssuerProcess];
    shop.issuerUrl = a.url; // the public URL: the merchant server's API calls and the token's iss
    shop.elementIssuerUrl = b.url;

    const phoneContext = await browser.newContext(PHONE);
    contexts.push(phoneContext);
    const phone = await PhonePages.open(phoneContext, 'phone');
    const account = await admin<{ id: string }>(a.url, '/v1/accounts');
    await phone.enrol(
      (await admin<{ url: string }>(a.url, `/v1/accounts/${account.id}/enrollments`)).url,
    );

    const shopContext = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    contexts.push(shopContext);
    const checkout = new CheckoutPage(await shopContext.newPage());
    const issuerRequests: string[] = [];
    checkout.page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/v1/')) issuerRequests.push(`${url.origin}${url.pathname}`);
    });
    await checkout.recordEvents();
    await checkout.page.goto(shop.origin);

    await checkout.startPayment();
    const url = await checkout.scanQr();
    await phone.openPayment(url);
    await phone.expectDetails();
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();

    await expect(phone.heading()).toHaveText(/Payment approved/);
    const token = await checkout.settlementToken();
    await checkout.expectStatus('settled');
    expect(url.startsWith(`${a.url}/h/`)).toBe(true);
    expect(issuerRequests.some((r) => r.endsWith('/events'))).toBe(true);
    expect(issuerRequests.every((r) => r.startsWith(b.url))).toBe(true);
    const verified = await fetch(`${shop.origin}/api/orders/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(verified.status).toBe(200);
  });
});
