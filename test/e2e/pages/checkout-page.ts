/** Page object: a merchant page with `<dualpay-checkout>` on it. */
import { expect, type Locator, type Page } from '@playwright/test';
import { decodeQrPng } from '../support/qr.js';
import { snap } from '../support/screens.js';

export interface RecordedEvent {
  type: string;
  detail: unknown;
}

export class CheckoutPage {
  readonly page: Page;
  readonly element: Locator;
  private readonly name: string;

  constructor(page: Page, name = 'merchant') {
    this.page = page;
    this.name = name;
    this.element = page.locator('dualpay-checkout');
  }

  /** Records every dualpay-* event from the first script on (call before goto). */
  async recordEvents(): Promise<void> {
    await this.page.addInitScript(() => {
      const events: { type: string; detail: unknown }[] = [];
      (window as unknown as { __dualpayEvents: typeof events }).__dualpayEvents = events;
      for (const type of [
        'dualpay-status-change',
        'dualpay-settled',
        'dualpay-error',
        'dualpay-cancel',
      ]) {
        document.addEventListener(type, (event) =>
          events.push({ type, detail: (event as CustomEvent).detail }),
        );
      }
    });
  }

  async events(type?: string): Promise<RecordedEvent[]> {
    const all = await this.page.evaluate(
      () => (window as unknown as { __dualpayEvents?: RecordedEvent[] }).__dualpayEvents ?? [],
    );
    return type ? all.filter((event) => event.type === type) : all;
  }

  async status(): Promise<string> {
    return this.element.evaluate((element) => (element as HTMLElement & { status: string }).status);
  }

  async expectStatus(status: string, timeout = 10_000): Promise<void> {
    await expect.poll(() => this.status(), { timeout }).toBe(status);
  }

  /** Clicks the element's pay button and waits for the QR. */
  async startPayment(): Promise<void> {
    await this.element.getByRole('button', { name: /Pay with your card|카드로 결제/ }).click();
    await expect(this.qr).toBeVisible();
    await this.snap('qr');
  }

  get qr(): Locator {
    return this.element.locator('[part="qr"]');
  }

  /** The QR's content, read from a screenshot with zbarimg (as a phone camera would). */
  async scanQr(): Promise<string> {
    await expect(this.qr).toBeVisible();
    const text = await decodeQrPng(await this.qr.screenshot());
    if (!text) throw new Error('zbarimg found no QR code on the merchant screen');
    return text;
  }

  async userCode(): Promise<string> {
    return ((await this.element.locator('[part="user-code"]').textContent()) ?? '').trim();
  }

  async bindingCode(): Promise<string> {
    return ((await this.element.locator('[part="binding-code"]').textContent()) ?? '').trim();
  }

  async errorText(): Promise<string> {
    return ((await this.element.locator('[part="error"]').textContent()) ?? '').trim();
  }

  async settlementToken(timeout = 10_000): Promise<string> {
    await expect
      .poll(async () => (await this.events('dualpay-settled')).length, { timeout })
      .toBe(1);
    const [event] = await this.events('dualpay-settled');
    return (event?.detail as { token: string }).token;
  }

  async snap(state: string): Promise<void> {
    await snap(this.page, `${this.name}-${state}`);
  }
}
