/** The phone pages pass axe with no violations, in English and Korean, at 320 px. */
import { expect, test } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { axeViolations } from './support/axe.js';
import { startWorld, type World } from './support/world.js';

for (const locale of ['en-US', 'ko-KR']) {
  test.describe(`phone pages in ${locale} at 320 px`, () => {
    let world: World;
    test.beforeEach(async () => {
      world = await startWorld();
    });
    test.afterEach(() => world.close());

    test('every step passes axe', async ({ browser }) => {
      const phoneContext = await browser.newContext({
        viewport: { width: 320, height: 640 },
        locale,
        bypassCSP: true,
      });
      const phone = await PhonePages.open(phoneContext, `phone-${locale}`);
      const shopContext = await browser.newContext();
      const checkout = new CheckoutPage(await shopContext.newPage());
      await checkout.page.goto(world.shop.origin);
      const found: Record<string, string[]> = {};

      await phone.page.goto(await world.newEnrollment());
      await expect(phone.page.locator('h1')).toBeVisible();
      found['enrol'] = await axeViolations(phone.page);
      await phone.page.locator('button.approve').click();
      await expect(phone.page.locator('h1.ok')).toBeVisible();
      found['enrolled'] = await axeViolations(phone.page);

      await checkout.startPayment();
      await phone.page.goto(`${world.issuer.url}/h`);
      await expect(phone.page.locator('input#code')).toBeVisible();
      found['enter-code'] = await axeViolations(phone.page);
      await phone.page.locator('input#code').fill(await checkout.userCode());
      await phone.page.locator('button[type=submit]').click();
      await expect(phone.page.locator('input#binding-number')).toBeVisible();
      found['enter-number'] = await axeViolations(phone.page);
      await phone.typeNumber(await checkout.bindingCode());
      await expect(phone.page.locator('button.approve')).toBeVisible();
      found['approve'] = await axeViolations(phone.page);
      await phone.page.locator('button.approve').click();
      await expect(phone.page.locator('h1.ok')).toBeVisible();
      found['approved'] = await axeViolations(phone.page);
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      await phone.snap('approved-320');

      await phone.page.goto(`${world.issuer.url}/h/AAAAAAAAAAAAAAAAAAAAAAAA`);
      await expect(phone.page.locator('h1.bad')).toBeVisible();
      found['bad-code'] = await axeViolations(phone.page);

      expect(found).toEqual({
        enrol: [],
        enrolled: [],
        'enter-code': [],
        'enter-number': [],
        approve: [],
        approved: [],
        'bad-code': [],
      });
      expect(width).toBeLessThanOrEqual(320);
      if (locale === 'ko-KR') await expect(phone.page.locator('h1')).toHaveText(/결제 확인/);
      await phoneContext.close();
      await shopContext.close();
    });
  });
}
