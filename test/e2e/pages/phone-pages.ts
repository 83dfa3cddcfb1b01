/** Page object: the issuer's phone pages (enrolment and confirmation) in the phone's browser. */
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { snap } from '../support/screens.js';
import { VirtualAuthenticator } from './virtual-authenticator.js';

export class PhonePages {
  readonly page: Page;
  readonly card: VirtualAuthenticator;
  private readonly name: string;

  private constructor(page: Page, card: VirtualAuthenticator, name: string) {
    this.page = page;
    this.card = card;
    this.name = name;
  }

  /** A phone: a small touch screen with its own virtual FIDO2 card. */
  static async open(context: BrowserContext, name = 'phone'): Promise<PhonePages> {
    const page = await context.newPage();
    return new PhonePages(page, await VirtualAuthenticator.attach(context, page), name);
  }

  private get confirm(): Locator {
    return this.page.locator('dualpay-confirm-page');
  }

  heading(): Locator {
    return this.page.locator('h1');
  }

  async message(): Promise<string> {
    return ((await this.page.locator('.message').textContent()) ?? '').trim();
  }

  /** Registers this phone's card at an enrolment URL. */
  async enrol(url: string, cardName = 'Test card'): Promise<void> {
    await this.page.goto(url);
    await this.snap('enrol');
    await this.page.getByLabel(/Name for this card|카드 이름/).fill(cardName);
    await this.page.getByRole('button', { name: /Register my card|카드 등록/ }).click();
    await expect(this.heading()).toHaveText(/Card added|카드 등록 완료/);
    await this.snap('enrolled');
  }

  /** Creates a simulated test card (kept in this browser) at an enrolment URL. */
  async enrolSimulated(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('button', { name: /simulated test card|가상 테스트 카드/ }).click();
    await expect(this.heading()).toHaveText(/Card added|카드 등록 완료/);
  }

  /** Opens a hand-off URL (as after scanning the QR) and waits for the payment details. */
  async openPayment(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** Reloads the page, as a payer does who comes back to the tab. */
  async reload(): Promise<void> {
    await this.page.reload();
  }

  async expectDetails(): Promise<void> {
    await expect(this.confirm.locator('dl.details')).toBeVisible();
    await this.snap('details');
  }

  async details(): Promise<string> {
    return ((await this.confirm.locator('dl.details').textContent()) ?? '')
      .replace(/\s+/g, ' ')
      .trim();
  }

  /** Types the number shown on the merchant screen and continues (number matching). */
  async typeNumber(number: string): Promise<void> {
    await this.confirm.getByLabel(/Number on the shop|상점 화면의 번호/).fill(number);
    await this.confirm.getByRole('button', { name: /^(Continue|계속)$/ }).click();
  }

  /** Types a number that is not the merchant screen's. */
  async typeWrongNumber(right: string): Promise<void> {
    await this.typeNumber(String((Number(right) + 1) % 100).padStart(2, '0'));
  }

  /** The primary button of the approve step (the one in the accent colour). */
  primaryAction(): Locator {
    return this.confirm.locator('button.approve');
  }

  async approve(): Promise<void> {
    await this.confirm.getByRole('button', { name: /^(Approve|승인)$/ }).click();
  }

  /** Approves with the real (here: virtual) card when a simulated card is the primary action. */
  async approveWithRealCard(): Promise<void> {
    await this.confirm.getByRole('button', { name: /real card|실제 카드/ }).click();
  }

  async approveWithSimulatedCard(): Promise<void> {
    await this.confirm
      .getByRole('button', { name: /simulated test card|가상 테스트 카드/ })
      .click();
  }

  async decline(): Promise<void> {
    await this.confirm.getByRole('button', { name: /^(Decline|거절)$/ }).click();
  }

  /** Cancels what the page waits for (the card, or the issuer). */
  async cancelWait(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Cancel|취소)$/ }).click();
  }

  /** Types a user code at /h. */
  async typeUserCode(issuerUrl: string, code: string): Promise<void> {
    await this.page.goto(`${issuerUrl}/h`);
    await this.snap('enter-code');
    await this.page.getByLabel(/Payment code|결제 코드/).fill(code);
    await this.page.getByRole('button', { name: /Continue|계속/ }).click();
  }

  async snap(state: string): Promise<void> {
    await snap(this.page, `${this.name}-${state}`);
  }
}
