/** Page object: the issuer's recovery page (`/r`) and the recovery codes of the enrolment page. */
import { expect, type Locator, type Page } from '@playwright/test';
import { snap } from '../support/screens.js';

export class RecoveryPage {
  readonly page: Page;
  private readonly name: string;

  constructor(page: Page, name = 'phone') {
    this.page = page;
    this.name = name;
  }

  heading(): Locator {
    return this.page.locator('dualpay-recovery-page h1');
  }

  /** The recovery codes the enrolment page shows with a first card. */
  async shownCodes(): Promise<string[]> {
    const items = this.page.locator('dualpay-recovery-codes ol.codes li');
    await expect(items).toHaveCount(10);
    return (await items.allTextContents()).map((text) => text.trim());
  }

  async open(issuerUrl: string): Promise<void> {
    await this.page.goto(`${issuerUrl}/r`);
    await expect(this.heading()).toHaveText(/Recover your account|계정 복구/);
  }

  async choose(which: RegExp): Promise<void> {
    await this.page.locator('dualpay-recovery-page').getByRole('button', { name: which }).click();
  }

  /** Types a recovery code and continues. */
  async typeCode(code: string): Promise<void> {
    await this.page.getByLabel(/^(Recovery code|복구 코드)$/).fill(code);
    await this.page.getByRole('button', { name: /^(Continue|계속)$/ }).click();
  }

  /** Freezes with a code: choice, code, confirmation. */
  async freeze(code: string): Promise<void> {
    await this.choose(/Freeze my account|계정 정지/);
    await this.typeCode(code);
    await expect(this.heading()).toHaveText(/Freeze your account\?|계정을 정지할까요\?/);
    await this.snap('recovery-confirm-freeze');
    await this.page.getByRole('button', { name: /^(Freeze my account|계정 정지)$/ }).click();
    await expect(this.heading()).toHaveText(/Your account is frozen|계정이 정지되었습니다/);
    await this.snap('recovery-frozen');
  }

  /** The enrolment link the page shows (a replacement card's or a second device's). */
  async enrolmentLink(): Promise<string> {
    return (await this.page.locator('dualpay-recovery-page code.link').textContent()) ?? '';
  }

  async snap(state: string): Promise<void> {
    await snap(this.page, `${this.name}-${state}`);
  }
}
