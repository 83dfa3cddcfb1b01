/**
 * The whole two-channel flow in real Chromium with real WebAuthn (Chrome's virtual
 * authenticators): the merchant page and the phone are two browser contexts, each with its own
 * card. Every negative path asserts what both screens show.
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

async function merchant(browser: Browser, world: World, shopOrigin = world.shop.origin) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const checkout = new CheckoutPage(await context.newPage());
  await checkout.recordEvents();
  await checkout.page.goto(shopOrigin);
  await checkout.snap('idle');
  return { context, checkout };
}

async function phoneWithCard(browser: Browser, world: World, name = 'phone') {
  const context = await browser.newContext(PHONE);
  const phone = await PhonePages.open(context, name);
  await phone.enrol(await world.newEnrollment());
  return { context, phone };
}

async function confirmOnServer(world: World, token: string, shop = world.shop) {
  const answer = await fetch(`${shop.origin}/api/orders/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

test.describe('two-channel payment', () => {
  let world: World;
  const contexts: BrowserContext[] = [];

  test.beforeEach(async () => {
    world = await startWorld();
  });

  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await world.close();
  });

  test('happy path: enrol, scan the QR, pick the number, approve; the merchant server verifies the token', async ({
    browser,
  }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);

    await checkout.startPayment();
    const url = await checkout.scanQr();
    await phone.openPayment(url);
    await phone.expectDetails();
    const number = await checkout.bindingCode();
    await phone.typeNumber(number);
    await phone.snap('approve');
    await phone.approve();

    await expect(phone.heading()).toHaveText(/Payment approved/);
    await expect(phone.page.locator('.receipt')).toHaveText(/Approved .*Reference stl_/);
    await phone.snap('approved');
    const token = await checkout.settlementToken();
    await checkout.expectStatus('settled');
    await checkout.snap('settled');
    expect(url).toMatch(new RegExp(`^${world.issuer.url}/h/[A-Za-z0-9_-]{24}$`));
    expect(await phone.details()).toContain('dualpay Demo Shop');
    expect(await phone.details()).toContain('₩1,500');
    const verified = await confirmOnServer(world, token);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({
      aud: 'm_demo',
      amount: 1500,
      currency: 'KRW',
      // Chrome's virtual authenticator attests to no root this issuer trusts: a test card (swk).
      amr: ['swk', 'mfa', 'mca'],
    });
  });

  test('manual path: the phone types the user code at /h and pays', async ({ browser }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);
    await checkout.startPayment();

    await phone.typeUserCode(
      world.issuer.url,
      (await checkout.userCode()).toLowerCase().replace('-', ' '),
    );
    await phone.expectDetails();
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();

    await expect(phone.heading()).toHaveText(/Payment approved/);
    expect(phone.page.url()).toMatch(/\/h\/[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect((await confirmOnServer(world, await checkout.settlementToken())).status).toBe(200);
  });

  test('a wrong number stops the payment: the phone explains, the merchant page says so', async ({
    browser,
  }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.expectDetails();

    await phone.typeWrongNumber(await checkout.bindingCode());

    await expect(phone.heading()).toHaveText(/The number didn’t match/);
    await phone.snap('wrong-number');
    await checkout.expectStatus('failed');
    expect(await checkout.errorText()).toBe('The number didn’t match. Start again.');
    expect((await checkout.events('dualpay-error')).at(-1)?.detail).toMatchObject({
      error: { code: 'binding_mismatch' },
    });
    await checkout.snap('binding-mismatch');
  });

  test('an approval without PIN/biometric (UV off) is refused; the merchant keeps waiting', async ({
    browser,
  }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.typeNumber(await checkout.bindingCode());
    await phone.card.setUserVerified(false);

    await phone.approve();

    // Browsers report a failed PIN/biometric like a cancellation (NotAllowedError), by design.
    await expect(phone.page.locator('.message')).toHaveText(/PIN or fingerprint was not accepted/);
    await checkout.expectStatus('awaiting-confirmation');
    expect(await checkout.events('dualpay-settled')).toHaveLength(0);
  });

  test('decline: the phone says declined and the merchant shows it', async ({ browser }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.expectDetails();

    await phone.decline();

    await expect(phone.heading()).toHaveText(/Payment declined/);
    await phone.snap('declined');
    await checkout.expectStatus('declined');
    expect(await checkout.errorText()).toBe('The payment was declined on your phone.');
    await checkout.snap('declined');
    const errors = await checkout.events('dualpay-error');
    expect(errors.map((e) => (e.detail as { error: { code: string } }).error.code)).toEqual([
      'session_declined',
    ]);
  });

  test('a second phone cannot claim a code another phone claimed', async ({ browser }) => {
    const { context: phoneContext, phone } = await phoneWithCard(browser, world);
    const intruderContext = await browser.newContext(PHONE);
    const intruder = await PhonePages.open(intruderContext, 'intruder');
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, intruderContext, shopContext);
    await checkout.startPayment();
    const url = await checkout.scanQr();
    await phone.openPayment(url);
    await phone.expectDetails();

    await intruder.openPayment(url);

    await expect(intruder.page.locator('.message')).toHaveText(/already used on another phone/);
    await intruder.snap('claimed-elsewhere');
    await checkout.expectStatus('awaiting-confirmation');
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();
    await expect(phone.heading()).toHaveText(/Payment approved/);
  });

  test('a live merchant refuses a simulated card, even when its key is copied into a card', async ({
    browser,
  }) => {
    const live = await world.liveShop();
    const phoneContext = await browser.newContext(PHONE);
    const phone = await PhonePages.open(phoneContext, 'phone');
    const { context: shopContext, checkout } = await merchant(browser, world, live.origin);
    contexts.push(phoneContext, shopContext);
    await phone.enrolSimulated(await world.newEnrollment());
    const copied = await phone.page.evaluate(() =>
      JSON.parse(localStorage.getItem('dualpay.simulatedCard') ?? '[]'),
    );
    const { createPrivateKey } = await import('node:crypto');
    const [simulated] = copied as {
      id: string;
      rpId: string;
      userHandle: string;
      privateKey: JsonWebKey;
      counter: number;
    }[];
    const pkcs8 = createPrivateKey({ key: simulated!.privateKey as never, format: 'jwk' }).export({
      format: 'der',
      type: 'pkcs8',
    });
    await phone.card.addCredential({
      credentialId: Buffer.from(simulated!.id, 'base64url').toString('base64'),
      rpId: simulated!.rpId,
      privateKey: pkcs8.toString('base64'),
      userHandle: Buffer.from(simulated!.userHandle, 'base64url').toString('base64'),
      signCount: simulated!.counter + 1,
    });

    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.expectDetails();
    await expect(phone.page.getByRole('button', { name: /simulated test card/ })).toHaveCount(0);
    await phone.typeNumber(await checkout.bindingCode());
    await phone.approve();

    await expect(phone.page.locator('.message')).toHaveText(
      /accepts only cards the issuer certified as hardware cards/,
    );
    await checkout.expectStatus('awaiting-confirmation');
    expect(await checkout.events('dualpay-settled')).toHaveLength(0);
  });

  test('the simulated card pays a test-mode merchant', async ({ browser }) => {
    const phoneContext = await browser.newContext(PHONE);
    const phone = await PhonePages.open(phoneContext, 'phone');
    const { context: shopContext, checkout } = await merchant(browser, world);
    contexts.push(phoneContext, shopContext);
    await phone.enrolSimulated(await world.newEnrollment());
    await checkout.startPayment();
    await phone.openPayment(await checkout.scanQr());
    await phone.typeNumber(await checkout.bindingCode());

    await phone.approveWithSimulatedCard();

    await expect(phone.heading()).toHaveText(/Payment approved/);
    await checkout.expectStatus('settled');
  });
});

test.describe('a replaced hand-off code', () => {
  let world: World;
  test.beforeEach(async () => {
    world = await startWorld({ handoffTtlMs: 12_000 });
  });
  test.afterEach(() => world.close());

  test('says on the phone that a newer code is on the shop’s screen, while the merchant shows it', async ({
    browser,
  }) => {
    const phoneContext = await browser.newContext(PHONE);
    const phone = await PhonePages.open(phoneContext, 'phone');
    const { context: shopContext, checkout } = await merchant(browser, world);
    await checkout.startPayment();
    const old = await checkout.scanQr();

    await expect.poll(() => checkout.scanQr(), { timeout: 10_000 }).not.toBe(old);
    await phone.openPayment(old);

    await expect(phone.heading()).toHaveText(/This code was replaced/);
    await expect(phone.page.getByText(/newer code/)).toBeVisible();
    await expect(phone.page.locator('.message')).toHaveCount(0);
    await phone.snap('replaced');
    await checkout.expectStatus('awaiting-handoff');
    await phoneContext.close();
    await shopContext.close();
  });
});
