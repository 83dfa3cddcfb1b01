/**
 * The checkout's honest states (issue #17) with the script-tag bundle, a real issuer and real
 * WebAuthn, at 320 px, in English and Korean, light and dark: the issuer going away (Reconnecting…,
 * an expired QR that no camera reads) and coming back (a fresh QR that pays), and a page whose
 * origin the merchant did not allow. Each state passes axe and is saved by `npm run screenshots`.
 */
import { createServer, Socket, type Server } from 'node:net';
import { expect, test, type Browser } from '@playwright/test';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { axeViolations } from './support/axe.js';
import { decodeQrPng } from './support/qr.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const NARROW = { viewport: { width: 320, height: 720 } };
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
async function shopPage(browser: Browser, url: string, variant: (typeof VARIANTS)[number]) {
  const context = await browser.newContext(NARROW);
  const name = `states-${variant.locale}-${variant.theme}`;
  const checkout = new CheckoutPage(await context.newPage(), name);
  await checkout.recordEvents();
  await checkout.page.goto(url);
  await checkout.element.evaluate((element, theme) => {
    element.setAttribute('theme', theme);
    document.documentElement.style.colorScheme = theme;
    document.body.style.background = theme === 'dark' ? '#111114' : '#ffffff';
    document.body.style.color = theme === 'dark' ? '#e3e2e6' : '#1b1b1f';
  }, variant.theme);
  return { context, checkout };
}

for (const variant of VARIANTS) {
  test.describe(`checkout states (${variant.locale}, ${variant.theme}, 320 px)`, () => {
    let world: World;
    let relay: IssuerRelay | undefined;
    test.beforeEach(async () => {
      world = await startWorld({ locale: variant.locale, handoffTtlMs: 12_000 });
    });
    test.afterEach(async () => {
      await relay?.close();
      relay = undefined;
      await world.close();
    });

    test('the issuer goes away: Reconnecting…, the dead QR cannot be scanned; it comes back: a fresh QR pays', async ({
      browser,
    }) => {
      test.setTimeout(120_000);
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
      const unreadable = await decodeQrPng(await checkout.qr.screenshot());
      expect(await axeViolations(checkout.page, SERIOUS)).toEqual([]);
      await checkout.snap('qr-expired');

      await relay.restore();
      await expect(checkout.qr).not.toHaveClass(/expired/, { timeout: 20_000 });
      await expect(checkout.element.locator('[part="status"]')).toHaveCount(0);
      const fresh = await checkout.scanQr();
      await checkout.snap('qr-fresh');
      await phone.openPayment(fresh);
      await phone.expectDetails();
      await phone.typeNumber(await checkout.bindingCode());
      await phone.approve();
      await checkout.expectStatus('settled', 20_000);
      await checkout.snap('settled');

      expect(unreadable).toBeNull();
      expect(fresh).not.toBe(first);
      await phoneContext.close();
      await context.close();
    });

    test('a page whose origin the merchant did not allow says origin_not_allowed, not a network failure', async ({
      browser,
    }) => {
      // The same shop on another origin: localhost is not 127.0.0.1 to the issuer's CORS check.
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
  });
}
