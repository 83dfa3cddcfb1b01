/**
 * The checkout's honest states (issue #17) with the script-tag bundle, a real issuer and real
 * WebAuthn, at 320 px, in English and Korean, light and dark: the issuer going away (Reconnecting…,
 * an expired QR that no camera reads) and coming back (a fresh QR that pays), a page whose origin
 * the merchant did not allow, the same-device link (and the way back to the shop) and the NFC
 * prompt. The visitor's OS is dark throughout: the element is dark only with `theme="dark"`. Each
 * state passes axe (the merchant's fallback text included) and is saved by `npm run screenshots`.
 */
import { createServer, Socket, type Server } from 'node:net';
import { expect, test, type Browser } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { axeViolations } from './support/axe.js';
import { decodeQrPng } from './support/qr.js';
import { snap } from './support/screens.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
// The visitor's OS is dark in every variant: a light shop keeps the element light by default.
const NARROW = { viewport: { width: 320, height: 720 }, colorScheme: 'dark' as const };
const SERIOUS = ['serious', 'critical'] as const;

/**
 * A TCP relay in front of the issuer that can be cut: `cut()` drops every connection and refuses
 * new ones (the issuer is gone, as far as the page can tell); `restore()` listens again.
 */
class IssuerRelay {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly target: number;
  port = 0;

  private constructor(target: number) {
    this.target = target;
    this.server = this.listener();
  }

  static async start(target: number): Promise<IssuerRelay> {
    const relay = new IssuerRelay(target);
    await relay.listen(0);
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private listener(): Server {
    return createServer((client) => {
      const upstream = new Socket().connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address();
        this.port = typeof address === 'object' && address ? address.port : port;
        resolve();
      }),
    );
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async restore(): Promise<void> {
    this.server = this.listener();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.cut();
  }
}

const VARIANTS = [
  { locale: 'en', theme: 'light' },
  { locale: 'en', theme: 'dark' },
  { locale: 'ko', theme: 'light' },
  { locale: 'ko', theme: 'dark' },
] as const;

const RECONNECTING = { en: 'Reconnecting…', ko: '다시 연결하는 중…' };

/** The shop's page at 320 px, the element in `theme`, on a page of the same colour. */
async function shopPage(
  browser: Browser,
  url: string,
  variant: (typeof VARIANTS)[number],
  handoff: 'qr' | 'link' | 'nfc' = 'qr',
) {
  // The shopper's browser speaks the shop's language (the payment page follows it).
  const context = await browser.newContext({
    ...NARROW,
    locale: variant.locale === 'ko' ? 'ko-KR' : 'en-US',
  });
  const name = `states-${variant.locale}-${variant.theme}`;
  const checkout = new CheckoutPage(await context.newPage(), name);
  await checkout.recordEvents();
  if (handoff === 'nfc') await checkout.page.addInitScript(fakeNfcReader);
  await checkout.page.goto(url);
  await checkout.element.evaluate(
    (element, { theme, handoff }) => {
      element.setAttribute('handoff', handoff);
      if (theme === 'dark') element.setAttribute('theme', 'dark');
      const fallback = document.createElement('p');
      fallback.slot = 'fallback';
      fallback.textContent = 'Or pay by bank transfer at the counter.';
      element.append(fallback);
      document.documentElement.style.colorScheme = theme;
      document.body.style.background = theme === 'dark' ? '#111114' : '#ffffff';
      document.body.style.color = theme === 'dark' ? '#e3e2e6' : '#1b1b1f';
    },
    { theme: variant.theme, handoff },
  );
  return { context, checkout };
}

/** The countdown's progress bar: seconds left of the session, and its whole life. */
async function countdownSeconds(checkout: CheckoutPage): Promise<{ value: number; max: number }> {
  return checkout.element
    .locator('[part="countdown"] progress')
    .evaluate((bar: HTMLProgressElement) => ({ value: bar.value, max: bar.max }));
}

/** Whether the element paints a dark background (its own theme, whatever the OS says). */
async function darkBackground(checkout: CheckoutPage): Promise<boolean> {
  return checkout.element.locator('[part="container"]').evaluate((container) => {
    const [r = 0, g = 0, b = 0] = getComputedStyle(container)
      .backgroundColor.match(/\d+/g)!
      .map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
  });
}

/** The live region's words once it has some (the number and the method, issue #17). */
async function announcement(checkout: CheckoutPage): Promise<string> {
  const region = checkout.element.locator('[role="status"][aria-live]');
  await expect(region).not.toHaveText('');
  return ((await region.textContent()) ?? '').trim();
}

/** A Web NFC reader that waits for a tap which the test never makes (desktop Chromium has none). */
function fakeNfcReader(): void {
  (window as unknown as { NDEFReader: unknown }).NDEFReader = class extends EventTarget {
    scan(): Promise<void> {
      return Promise.resolve();
    }
  };
}

for (const variant of VARIANTS) {
  test.describe(`checkout states (${variant.locale}, ${variant.theme}, 320 px)`, () => {
    let opened: World | undefined;
    let relay: IssuerRelay | undefined;
    /** Issuer and shop for one test; codes live 60 s unless `handoffTtlMs` says otherwise. */
    const begin = async (handoffTtlMs?: number): Promise<World> => {
      opened = await startWorld({
        locale: variant.locale,
        ...(handoffTtlMs ? { handoffTtlMs } : {}),
      });
      return opened;
    };
    test.afterEach(async () => {
      await relay?.close();
      relay = undefined;
      await opened?.close();
      opened = undefined;
    });

    test('the issuer goes away: Reconnecting…, the dead QR cannot be scanned; it comes back: a fresh QR pays', async ({
      browser,
    }) => {
      test.setTimeout(120_000);
      // Codes that die in 12 s: the QR expires while the issuer is gone.
      const world = await begin(12_000);
      relay = await IssuerRelay.start(world.issuer.port);
      world.shop.issuerUrl = relay.url;
      const phoneContext = await browser.newContext(PHONE);
      const phone = await PhonePages.open(phoneContext, `states-${variant.locale}-phone`);
      await phone.enrol(await world.newEnrollment());
      const { context, checkout } = await shopPage(browser, world.shop.origin, variant);
      await checkout.startPayment();
      const first = await checkout.scanQr();

      await relay.cut();
      await expect(checkout.element.locator('[part="status"]')).toHaveText(
        RECONNECTING[variant.locale],
        { timeout: 15_000 },
      );
      await expect.poll(() => checkout.status()).toBe('awaiting-handoff');
      await checkout.snap('reconnecting');
      await expect(checkout.qr).toHaveClass(/expired/, { timeout: 20_000 });
      // The countdown tells the session's ten minutes, not the dead code's twelve seconds.
      const during = await countdownSeconds(checkout);
      const unreadable = await decodeQrPng(await checkout.qr.screenshot());
      expect(await axeViolations(checkout.page, SERIOUS)).toEqual([]);
      await checkout.snap('qr-expired');

      await relay.restore();
      await expect(checkout.qr).not.toHaveClass(/expired/, { timeout: 20_000 });
      await expect(checkout.element.locator('[part="status"]')).toHaveCount(0);
      const fresh = await checkout.scanQr();
      const after = await countdownSeconds(checkout);
      await checkout.snap('qr-fresh');
      await phone.openPayment(fresh);
      await phone.expectDetails();
      await phone.typeNumber(await checkout.bindingCode());
      await phone.approve();
      await checkout.expectStatus('settled', 20_000);
      await checkout.snap('settled');

      expect(unreadable).toBeNull();
      expect(during.max).toBe(600);
      expect(during.value).toBeGreaterThan(12);
      expect(after.value).toBeLessThanOrEqual(during.value);
      expect(fresh).not.toBe(first);
      await phoneContext.close();
      await context.close();
    });

    test('a page whose origin the merchant did not allow says origin_not_allowed, not a network failure', async ({
      browser,
    }) => {
      // The same shop on another origin: localhost is not 127.0.0.1 to the issuer's CORS check.
      const world = await begin();
      const foreign = world.shop.origin.replace('127.0.0.1', 'localhost');
      const { context, checkout } = await shopPage(browser, foreign, variant);

      await checkout.element
        .getByRole('button', { name: /Pay with your card|카드로 결제/ })
        .click();
      await checkout.expectStatus('failed');
      const [error] = await checkout.events('dualpay-error');

      expect(error?.detail).toMatchObject({ error: { code: 'origin_not_allowed' } });
      expect(await checkout.errorText()).toContain('origin_not_allowed');
      expect(await axeViolations(checkout.page, SERIOUS)).toEqual([]);
      await checkout.snap('origin-refused');
      await context.close();
    });

    test('the same-device link: worded for this device, and the payment page leads back to the shop', async ({
      browser,
    }) => {
      const world = await begin();
      const { context, checkout } = await shopPage(browser, world.shop.origin, variant, 'link');
      // A simulated test card kept in this browser (the shop is in test mode): the payment page
      // opens in a new window of the same browser, where the card answers.
      const enrolment = await context.newPage();
      await enrolment.goto(await world.newEnrollment());
      await enrolment.getByRole('button', { name: /simulated test card|가상 테스트 카드/ }).click();
      await expect(enrolment.locator('h1')).toHaveText(/Card added|카드 등록 완료/);
      await enrolment.close();

      await checkout.element
        .getByRole('button', { name: /Pay with your card|카드로 결제/ })
        .click();
      const open = checkout.element.getByRole('button', {
        name: /Open the payment page|결제 페이지 열기/,
      });
      await expect(open).toBeVisible();
      const binding = await checkout.bindingCode();
      const said = await announcement(checkout);
      const violations = await axeViolations(checkout.page, SERIOUS);
      await checkout.snap('link');
      const popup = context.waitForEvent('page');
      await open.click();
      const payment = await popup;
      const confirm = payment.locator('dualpay-confirm-page');
      await confirm.getByLabel(/Number on the shop|상점 화면의 번호/).fill(binding);
      await confirm.getByRole('button', { name: /^(Continue|계속)$/ }).click();
      await confirm.getByRole('button', { name: /simulated test card|가상 테스트 카드/ }).click();
      await expect(payment.locator('h1')).toHaveText(/Payment approved|결제 승인됨/);
      const back = confirm.getByRole('button', { name: /Back to the shop|상점으로 돌아가기/ });
      await expect(back).toBeVisible();
      await snap(payment, `states-${variant.locale}-${variant.theme}-link-approved`);
      // The click closes the page it is on: Playwright may then fail the click itself.
      await Promise.all([
        payment.waitForEvent('close'),
        back.click().catch((error: unknown) => {
          if (!payment.isClosed()) throw error;
        }),
      ]);
      await checkout.expectStatus('settled');
      const focused = await checkout.element.evaluate(
        (element) => element.shadowRoot?.activeElement?.textContent?.trim() ?? null,
      );
      await checkout.snap('link-settled');

      expect(said).toContain(binding);
      expect(said).toMatch(variant.locale === 'en' ? /Open the payment page/ : /결제 페이지/);
      expect(said).not.toMatch(/QR|phone|휴대폰/);
      expect(violations).toEqual([]);
      expect(focused).toBeTruthy();
      await context.close();
    });

    test('the NFC prompt: tap the card on this phone, with the number beside it', async ({
      browser,
    }) => {
      const world = await begin();
      const { context, checkout } = await shopPage(browser, world.shop.origin, variant, 'nfc');
      await checkout.element
        .getByRole('button', { name: /Pay with your card|카드로 결제/ })
        .click();
      await expect(checkout.element.locator('h2')).toHaveText(
        /Tap your card on the back of this phone|카드를 휴대폰 뒷면에 대세요/,
      );
      const binding = await checkout.bindingCode();
      const said = await announcement(checkout);
      expect(await axeViolations(checkout.page, SERIOUS)).toEqual([]);
      await checkout.snap('nfc');

      expect(said).toContain(binding);
      expect(said).toMatch(variant.locale === 'en' ? /Tap your card/ : /카드를/);
      expect(said).not.toMatch(/QR/);
      expect(await darkBackground(checkout)).toBe(variant.theme === 'dark');
      await context.close();
    });
  });
}
