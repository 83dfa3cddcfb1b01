/**
 * The phone pages tell the payer the truth (issue #17): a payment that ended is shown as its
 * result when the page is opened again, never as an error; a reload keeps the payment; the page
 * hears within seconds that the shop cancelled; every wait can be cancelled; a test-mode phone with
 * a simulated card gets it as the primary action; the dark theme covers the whole page; the amount
 * label sits on the figure's baseline; an enrolment link says it is spent as soon as it opens.
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

test.describe('phone pages', () => {
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

  async function phone(browser: Browser, options: { card?: 'real' | 'simulated' | 'none' } = {}) {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const pages = await PhonePages.open(context, 'phone');
    if (options.card === 'simulated') await pages.enrolSimulated(await world.newEnrollment());
    else if (options.card !== 'none') await pages.enrol(await world.newEnrollment());
    return pages;
  }

  /** No error look: no alert, no "Try again". */
  async function expectNoError(pages: PhonePages): Promise<void> {
    await expect(pages.page.locator('.message')).toHaveCount(0);
    await expect(pages.page.getByRole('button', { name: /Try again/ })).toHaveCount(0);
  }

  test('reopening an approved payment shows it approved: a result, not an error with "Try again"', async ({
    browser,
  }) => {
    const payer = await phone(browser);
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.typeNumber(await checkout.bindingCode());
    await payer.approve();
    await expect(payer.heading()).toHaveText(/Payment approved/);

    await payer.reload();

    await expect(payer.heading()).toHaveText(/Payment approved/);
    await expect(payer.page.locator('h1.ok')).toBeVisible();
    await expectNoError(payer);
    await payer.snap('approved-reopened');
  });

  test('reopening a declined payment, or one a wrong number stopped, shows that result', async ({
    browser,
  }) => {
    const payer = await phone(browser);
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.decline();
    await expect(payer.heading()).toHaveText(/Payment declined/);

    await payer.reload();

    await expect(payer.heading()).toHaveText(/Payment declined/);
    await expectNoError(payer);
    await payer.snap('declined-reopened');

    await checkout.page.reload();
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.typeWrongNumber(await checkout.bindingCode());
    await expect(payer.heading()).toHaveText(/The number didn’t match/);

    await payer.reload();

    await expect(payer.heading()).toHaveText(/The number didn’t match/);
    await expectNoError(payer);
    await payer.snap('mismatch-reopened');
  });

  test('typing the user code, then reloading, keeps the payment', async ({ browser }) => {
    const payer = await phone(browser);
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.typeUserCode(world.issuer.url, await checkout.userCode());
    await payer.expectDetails();

    await payer.reload();

    await payer.expectDetails();
    expect(payer.page.url()).toMatch(/\/h\/[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    await payer.typeNumber(await checkout.bindingCode());
    await payer.approve();
    await expect(payer.heading()).toHaveText(/Payment approved/);
    await checkout.expectStatus('settled');
  });

  test('the phone hears within seconds that the shop cancelled, without a tap', async ({
    browser,
  }) => {
    const payer = await phone(browser);
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.expectDetails();

    await checkout.element.evaluate((element) =>
      (element as HTMLElement & { cancel(): Promise<void> }).cancel(),
    );

    await expect(payer.heading()).toHaveText(/The shop cancelled this payment/, {
      timeout: 8_000,
    });
    await expectNoError(payer);
    await payer.snap('cancelled-by-shop');
  });

  test('in test mode, a phone with a simulated card gets it as the primary action', async ({
    browser,
  }) => {
    const payer = await phone(browser, { card: 'simulated' });
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.typeNumber(await checkout.bindingCode());

    await expect(payer.primaryAction()).toHaveText(/simulated test card/);
    await expect(payer.page.getByRole('button', { name: /real card/ })).toHaveClass(/secondary/);
    await payer.snap('approve-simulated-primary');
    await payer.primaryAction().click();

    await expect(payer.heading()).toHaveText(/Payment approved/);
    await checkout.expectStatus('settled');
  });

  test('Cancel ends a wait for a card that never answers and returns to the approve step', async ({
    browser,
  }) => {
    const payer = await phone(browser);
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.typeNumber(await checkout.bindingCode());
    await payer.card.setAutomaticPresence(false);
    await payer.approve();
    await expect(payer.page.getByText('Waiting for your card…').first()).toBeVisible();
    await payer.snap('waiting-card');

    await payer.cancelWait();

    await expect(payer.heading()).toHaveText(/Approve with your card/);
    await expect(payer.page.locator('.message')).toHaveCount(0);
    await payer.card.setAutomaticPresence(true);
    await payer.approve();
    await expect(payer.heading()).toHaveText(/Payment approved/);
  });

  test('dark mode paints the whole page, edge to edge, not only the card', async ({ browser }) => {
    const context = await browser.newContext({ ...PHONE, colorScheme: 'dark' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${world.issuer.url}/h`);
    await expect(page.locator('input#code')).toBeVisible();

    const paint = await page.evaluate(() => ({
      html: getComputedStyle(document.documentElement).backgroundColor,
      scheme: getComputedStyle(document.documentElement).colorScheme,
      body: getComputedStyle(document.body).backgroundColor,
      margin: getComputedStyle(document.body).margin,
    }));

    expect(paint.html).toBe('rgb(19, 19, 22)');
    expect(paint.scheme).toContain('dark');
    expect(['rgb(19, 19, 22)', 'rgba(0, 0, 0, 0)']).toContain(paint.body);
    expect(paint.margin).toBe('0px');
  });

  test('the "Amount" label sits on the baseline of the figure', async ({ browser }) => {
    const payer = await phone(browser, { card: 'none' });
    const checkout = await merchant(browser);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.expectDetails();

    const baselines = await payer.page.evaluate(() => {
      const root = document.querySelector('dualpay-confirm-page')?.shadowRoot;
      const amount = root?.querySelector('dd.amount');
      const label = amount?.previousElementSibling;
      // An empty inline-block's bottom edge is its line's baseline (CSS 2.1 §10.8.1).
      const baseline = (element: Element | null | undefined) => {
        const probe = document.createElement('span');
        probe.style.display = 'inline-block';
        element?.prepend(probe);
        const bottom = probe.getBoundingClientRect().bottom;
        probe.remove();
        return bottom;
      };
      return { label: baseline(label), amount: baseline(amount) };
    });

    expect(Math.abs(baselines.label - baselines.amount)).toBeLessThanOrEqual(1);
  });

  test('an enrolment link that was used, or names nothing, says so as it opens, without the form', async ({
    browser,
  }) => {
    const payer = await phone(browser, { card: 'none' });
    const url = await world.newEnrollment();
    await payer.enrol(url);

    await payer.page.goto(url);

    await expect(payer.page.getByRole('alert')).toHaveText(/already used/);
    await expect(payer.page.getByRole('button', { name: /Register my card/ })).toHaveCount(0);
    await payer.snap('enrol-used');

    await payer.page.goto(`${world.issuer.url}/e/AAAAAAAAAAAAAAAAAAAAAAAA`);

    await expect(payer.page.getByRole('alert')).toHaveText(/not valid/);
    await expect(payer.page.getByRole('button', { name: /Register my card/ })).toHaveCount(0);
  });
});
