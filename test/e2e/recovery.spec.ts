/**
 * Recovery on the phone (docs/protocol.md "Recovery"): the first card's enrolment shows ten
 * recovery codes (and downloads them); one of them, typed on `/r`, freezes the account and the
 * next payment is refused; a second device's link and a replacement card's link are shown as QR
 * codes. Every `/r` state passes axe and fits 320 px, in English and Korean, light and dark
 * (`npm run screenshots` saves each: test/e2e/screenshots/recovery-…png).
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { RecoveryPage } from './pages/recovery-page.js';
import { axeViolations } from './support/axe.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

test.describe('recovery', () => {
  let world: World;
  const contexts: BrowserContext[] = [];

  test.beforeEach(async () => {
    world = await startWorld();
  });

  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await world.close();
  });

  async function merchant(browser: Browser) {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    contexts.push(context);
    const checkout = new CheckoutPage(await context.newPage());
    await checkout.page.goto(world.shop.origin);
    return checkout;
  }

  test('a first card shows its codes once; one freezes the account on /r and the next payment is refused', async ({
    browser,
  }) => {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const phone = await PhonePages.open(context, 'recovery');
    const recovery = new RecoveryPage(phone.page, 'recovery');

    await phone.enrol(await world.newEnrollment());
    const codes = await recovery.shownCodes();
    await recovery.snap('enrolled-codes');
    const [download] = await Promise.all([
      phone.page.waitForEvent('download'),
      phone.page.getByRole('link', { name: 'Download' }).click(),
    ]);
    const saved = readFileSync((await download.path()) ?? '', 'utf8');
    await recovery.open(world.issuer.url);
    await recovery.snap('recovery');
    await recovery.freeze((codes[0] ?? '').toLowerCase().replaceAll('-', ' '));
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();
    await expect(phone.heading()).toHaveText(/Payment stopped/);
    await recovery.open(world.issuer.url);
    await recovery.choose(/Freeze my account/);
    await recovery.typeCode(codes[0] ?? '');
    await phone.page.getByRole('button', { name: /^Freeze my account$/ }).click();

    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(CODE_FORMAT);
    for (const code of codes) expect(saved).toContain(code);
    await expect(phone.page.getByRole('alert')).toHaveText(/already used/);
    await recovery.snap('recovery-code-used');
  });

  for (const locale of ['en-US', 'ko-KR'] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      test(`every /r state passes axe and fits 320 px (${locale}, ${colorScheme})`, async ({
        browser,
      }) => {
        test.setTimeout(120_000);
        const context = await browser.newContext({
          viewport: { width: 320, height: 640 },
          locale,
          colorScheme,
          bypassCSP: true,
        });
        contexts.push(context);
        const name = `recovery-${locale.slice(0, 2)}-${colorScheme}`;
        const phone = await PhonePages.open(context, name);
        const recovery = new RecoveryPage(phone.page, name);
        const { page } = phone;
        const found: Record<string, string[]> = {};
        const tooWide: string[] = [];
        const check = async (state: string) => {
          found[state] = await axeViolations(page);
          if ((await page.evaluate(() => document.documentElement.scrollWidth)) > 320) {
            tooWide.push(state);
          }
          await recovery.snap(state);
        };
        const cancel = page.getByRole('button', { name: /^(Cancel|취소)$/ });
        const approveWithCard = page.getByRole('button', {
          name: /Approve with my card|내 카드로 승인/,
        });

        await phone.enrol(await world.newEnrollment());
        const codes = await recovery.shownCodes();
        await check('codes');
        await recovery.open(world.issuer.url);
        await check('choose');
        await recovery.choose(/Add this phone|이 휴대폰 추가/);
        await expect(approveWithCard).toBeVisible();
        await check('device');
        await phone.card.setAutomaticPresence(false);
        await approveWithCard.click();
        await expect(cancel).toBeVisible();
        await check('device-waiting');
        await cancel.click();
        await phone.card.setAutomaticPresence(true);
        await approveWithCard.click();
        await expect(page.locator('dualpay-recovery-page svg.qr')).toBeVisible();
        expect(await recovery.enrolmentLink()).toContain('/e/');
        await check('device-link');
        await recovery.open(world.issuer.url);
        await recovery.choose(/replacement card|대체 카드/);
        await check('code');
        await recovery.typeCode('not a code');
        await expect(page.getByRole('alert')).toBeVisible();
        await check('code-error');
        await recovery.typeCode(codes[1] ?? '');
        await expect(page.locator('dualpay-recovery-page .notice')).toBeVisible();
        await check('replace-link');
        await recovery.open(world.issuer.url);
        await recovery.choose(/Freeze my account|계정 정지/);
        await recovery.typeCode(codes[2] ?? '');
        await expect(page.getByRole('button', { name: /^(Back|뒤로)$/ })).toBeVisible();
        await check('confirm-freeze');
        await page.getByRole('button', { name: /^(Freeze my account|계정 정지)$/ }).click();
        await expect(page.locator('dualpay-recovery-page h1.outcome')).toBeVisible();
        await check('frozen');

        expect(found).toEqual(Object.fromEntries(Object.keys(found).map((state) => [state, []])));
        expect(tooWide).toEqual([]);
      });
    }
  }
});
