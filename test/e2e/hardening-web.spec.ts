/**
 * Web attacks in real Chromium against a real issuer:
 * - script injection through the merchant name (a merchant created with the admin API), the
 *   description and the order id: the merchant page's element and the phone's confirmation page
 *   show the text literally and run nothing (the merchant page here has no CSP at all);
 * - clickjacking: the phone pages cannot be framed by another origin;
 * - CSRF: a cross-site page cannot decline (or otherwise drive) a payment the phone claimed — the
 *   SameSite=Strict cookie is not sent and the Origin check refuses.
 * CORS and credential scoping are covered request by request in test/server/auth.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startIssuer, type RunningIssuer } from '../../src/server/index.js';
import { MerchantSite } from '../hardening/support/merchant-site.js';
import { elementStatus, startCheckout } from '../hardening/support/network-world.js';
import {
  INJECTED_SELECTOR,
  XSS_DESCRIPTION,
  XSS_MERCHANT_NAME,
  XSS_ORDER_ID,
  countDeep,
  readXss,
} from '../hardening/support/payloads.js';
import { Phone } from '../server/support/harness.js';
import { PhonePages } from './pages/phone-pages.js';
import { StaticServer } from './support/static-server.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

interface WebWorld {
  issuer: RunningIssuer;
  site: MerchantSite;
  close(): Promise<void>;
}

/** An issuer, and a merchant site for a merchant whose name is a script-injection payload. */
async function startWebWorld(): Promise<WebWorld> {
  const site = await MerchantSite.start({
    elementIssuerUrl: '',
    apiIssuerUrl: '',
    order: () => ({ description: XSS_DESCRIPTION, orderId: XSS_ORDER_ID }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-hardening-web-'));
  const issuer = await startIssuer({
    db: join(dir, 'issuer.db'),
    port: 0,
    seedDemo: { shopOrigins: [site.origin] },
    sweepIntervalMs: 500,
  });
  const created = await fetch(`${issuer.url}/v1/merchants`, {
    method: 'POST',
    headers: { authorization: 'Bearer ak_test_demo', 'content-type': 'application/json' },
    body: JSON.stringify({ name: XSS_MERCHANT_NAME, allowedOrigins: [site.origin] }),
  });
  if (created.status !== 201) throw new Error(`merchant: ${created.status}`);
  site.options.secretKey = ((await created.json()) as { secretKey: string }).secretKey;
  site.options.apiIssuerUrl = issuer.url;
  site.options.elementIssuerUrl = issuer.url;
  return {
    issuer,
    site,
    async close() {
      await site.close();
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function recordSettled(page: Page) {
  await page.addInitScript(() => {
    const details: unknown[] = [];
    (window as unknown as { __settled: unknown[] }).__settled = details;
    document.addEventListener('dualpay-settled', (event) =>
      details.push((event as CustomEvent).detail),
    );
  });
}

test.describe('script injection through merchant data', () => {
  let world: WebWorld;
  test.beforeEach(async () => {
    world = await startWebWorld();
  });
  test.afterEach(() => world?.close());

  test('the merchant page and the phone page show name and description as text and run nothing', async ({
    browser,
    page,
  }) => {
    await recordSettled(page);
    const code = await startCheckout(page, world.site);
    const phoneContext = await browser.newContext(PHONE);
    const phone = await PhonePages.open(phoneContext, 'xss-phone');

    await phone.openPayment(`${world.issuer.url}/h/${code}`);
    await phone.expectDetails();
    const phoneDetails = await phone.page.locator('dualpay-confirm-page dl.details').innerText();
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');
    const header = page.locator('dualpay-checkout header');

    await expect(header.locator('.merchant')).toHaveText(XSS_MERCHANT_NAME);
    expect(await header.locator('.description').textContent()).toBe(XSS_DESCRIPTION);
    expect(phoneDetails).toContain(XSS_MERCHANT_NAME);
    expect(phoneDetails).toContain('<iframe srcdoc=');
    for (const target of [page, phone.page]) {
      expect(await target.evaluate(readXss)).toBeUndefined();
      expect(await target.evaluate(countDeep, INJECTED_SELECTOR)).toBe(0);
    }
    await phoneContext.close();
  });

  test('the settled page and its event carry the order id as data and run nothing', async ({
    page,
  }) => {
    await recordSettled(page);
    const code = await startCheckout(page, world.site);
    const phone = new Phone(world.issuer.url);
    await phone.enrol();
    const session = await world.issuer.issuer.store.getSession(world.site.session.id);

    expect((await phone.pay(code, session?.bindingCode ?? '')).status).toBe(200);

    await expect.poll(() => elementStatus(page), { timeout: 10_000 }).toBe('settled');
    const settled = await page.evaluate(
      () => (window as unknown as { __settled: { orderId: string }[] }).__settled,
    );
    expect(settled.map((detail) => detail.orderId)).toEqual([XSS_ORDER_ID]);
    await expect(page.locator('dualpay-checkout [part="status"] + p')).toContainText(
      XSS_MERCHANT_NAME,
    );
    expect(await page.evaluate(readXss)).toBeUndefined();
    expect(await page.evaluate(countDeep, INJECTED_SELECTOR)).toBe(0);
  });
});

test.describe('the phone pages in a frame of another origin (clickjacking)', () => {
  let world: WebWorld;
  let attacker: StaticServer | undefined;
  test.beforeEach(async () => {
    attacker = undefined;
    world = await startWebWorld();
  });
  test.afterEach(async () => {
    await attacker?.close();
    await world?.close();
  });

  for (const path of ['/h/AAAAAAAAAAAAAAAAAAAAAAAA', '/h', '/e/AAAAAAAAAAAAAAAAAAAAAAAA']) {
    test(`${path.replace(/A+/, ':code')} is blocked by frame-ancestors 'none' / X-Frame-Options`, async ({
      page,
    }) => {
      attacker = await StaticServer.start({
        '/': {
          type: 'text/html',
          body: `<!doctype html><title>Win a prize</title><iframe id="victim" src="${world.issuer.url}${path}" width="400" height="600"></iframe>`,
        },
      });
      const refusals: string[] = [];
      page.on('console', (message) => {
        if (/frame-ancestors|X-Frame-Options|Refused to display/i.test(message.text()))
          refusals.push(message.text());
      });

      await page.goto(attacker.origin);
      await page.waitForTimeout(1_000);

      const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
      const framedElements = frame
        ? await frame
            .evaluate(
              () => document.querySelectorAll('dualpay-confirm-page, dualpay-enroll-page').length,
            )
            .catch(() => 0)
        : 0;
      expect(framedElements).toBe(0);
      expect(frame?.url() ?? '').not.toContain(world.issuer.url);
      expect(refusals.length).toBeGreaterThan(0);
    });
  }
});

interface Watched {
  cookie: Promise<boolean>;
  status: Promise<number>;
}

/** Records requests from `page` to URLs starting with `prefix`: cookie sent, answer status. */
function watchRequests(page: Page, prefix: string): Watched[] {
  const seen: Watched[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(prefix)) return;
    seen.push({
      // allHeaders(), unlike headers(), includes the Cookie the network stack attached.
      cookie: request.allHeaders().then((headers) => 'cookie' in headers),
      status: request.response().then(
        (response) => response?.status() ?? 0,
        () => 0,
      ),
    });
  });
  return seen;
}

async function settle(seen: Watched[]): Promise<{ cookie: boolean; status: number }[]> {
  return Promise.all(
    seen.map(async (request) => ({ cookie: await request.cookie, status: await request.status })),
  );
}

test.describe('a cross-site page driving the phone’s claimed payment (CSRF)', () => {
  let world: WebWorld;
  let attacker: StaticServer | undefined;
  test.beforeEach(async () => {
    attacker = undefined;
    world = await startWebWorld();
  });
  test.afterEach(async () => {
    await attacker?.close();
    await world?.close();
  });

  async function claimedOnPhone(browser: Browser, merchantPage: Page) {
    const code = await startCheckout(merchantPage, world.site);
    const context = await browser.newContext(PHONE);
    const phone = await PhonePages.open(context, 'csrf-phone');
    await phone.openPayment(`${world.issuer.url}/h/${code}`);
    await phone.expectDetails();
    return { code, context, phone };
  }

  test('a form post and credentialed fetches from another site change nothing; the phone still can', async ({
    browser,
    page,
  }) => {
    const { code, context, phone } = await claimedOnPhone(browser, page);
    const decline = `${world.issuer.url}/v1/handoffs/${code}/decline`;
    attacker = await StaticServer.start({
      '/': {
        type: 'text/html',
        body: `<!doctype html><title>Cute cats</title>
<form id="f" method="POST" action="${decline}" target="sink"><input name="x" value="1"></form>
<iframe name="sink"></iframe>
<script>
  fetch(${JSON.stringify(decline)}, { method: 'POST', credentials: 'include', mode: 'no-cors' }).catch(() => {});
  fetch(${JSON.stringify(decline)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => {});
  fetch(${JSON.stringify(decline)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).catch(() => {});
  document.getElementById('f').submit();
</script>`,
      },
    });
    const attackPage = await context.newPage();
    const seen = watchRequests(attackPage, decline);
    const own = watchRequests(phone.page, decline);
    await attackPage.goto(attacker.origin);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    const attack = await settle(seen);
    const afterAttack = await world.issuer.issuer.store.getSession(world.site.session.id);
    const ownStatus = await phone.page.evaluate(
      async (url) => (await fetch(url, { method: 'POST' })).status,
      decline,
    );

    expect(attack.map((request) => request.cookie)).not.toContain(true);
    for (const { status } of attack.filter((request) => request.status !== 0)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    expect(afterAttack?.status).toBe('claimed');
    // Control: the phone's own page sends its cookie, so the check above could see one.
    expect(ownStatus).toBe(200);
    expect((await settle(own)).map((request) => request.cookie)).toEqual([true]);
    await context.close();
  });
});
