/**
 * Page object: the issuer's operator console (`/console`) in an operator's browser. Works in
 * English and Korean (the regexes carry both), through the console's shadow roots (Playwright's
 * locators pierce open shadow DOM).
 */
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { decodeQrPng } from '../support/qr.js';
import { snap, snapPart } from '../support/screens.js';

export interface NewAccountForm {
  displayName: string;
  currency?: string;
  /** Major units, as typed. */
  monthlyLimit?: string;
  documentType: 'passport' | 'national_id' | 'driver_license' | 'residence_card' | 'other';
  numberEnding: string;
  note?: string;
}

export class ConsolePage {
  readonly page: Page;
  readonly issuerUrl: string;
  private readonly name: string;

  constructor(page: Page, issuerUrl: string, name = 'console') {
    this.page = page;
    this.issuerUrl = issuerUrl;
    this.name = name;
  }

  static async open(context: BrowserContext, issuerUrl: string, name = 'console') {
    const console = new ConsolePage(await context.newPage(), issuerUrl, name);
    await console.goto('/console');
    return console;
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(`${this.issuerUrl}${path}`);
    await expect(this.heading()).toBeVisible();
  }

  /** The current screen's heading. */
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  /** What the live region last said. */
  liveRegion(): Locator {
    return this.page.locator('dualpay-console [role="status"][aria-live="polite"]');
  }

  /** The focused element (inside shadow roots): its tag and text. */
  async focused(): Promise<{ tag: string; text: string }> {
    return this.page.evaluate(() => {
      let active = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      return { tag: active?.tagName.toLowerCase() ?? '', text: active?.textContent?.trim() ?? '' };
    });
  }

  /** All the text on screen, inside shadow roots too. */
  async deepText(): Promise<string> {
    return this.page.evaluate(() => {
      const walk = (node: Node): string =>
        node instanceof Element && node.shadowRoot
          ? walk(node.shadowRoot)
          : node.nodeType === Node.TEXT_NODE
            ? (node.textContent ?? '')
            : [...node.childNodes].map(walk).join(' ');
      return walk(document.body);
    });
  }

  // ── session ──

  async signIn(adminKey: string): Promise<void> {
    await this.page.getByLabel(/^(Admin key|관리자 키)$/).fill(adminKey);
    await this.page.getByRole('button', { name: /^(Sign in|로그인)$/ }).click();
  }

  signInError(): Locator {
    return this.page.locator('console-sign-in #admin-key-error');
  }

  signedInAs(): Locator {
    return this.page.locator('dualpay-console header .label');
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Sign out|로그아웃)$/ }).click();
    await expect(this.page.getByLabel(/^(Admin key|관리자 키)$/)).toBeVisible();
  }

  async menu(item: RegExp): Promise<void> {
    await this.page.getByRole('navigation').getByRole('link', { name: item }).click();
  }

  // ── accounts ──

  async search(query: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: /Search accounts|계정 검색/ }).fill(query);
    await this.page.getByRole('button', { name: /^(Search|검색)$/ }).click();
  }

  accountRows(): Locator {
    return this.page.locator('console-accounts tbody tr');
  }

  async openAccount(name: string): Promise<void> {
    await this.page.locator('console-accounts tbody').getByRole('link', { name }).click();
    await expect(this.heading()).toHaveText(name);
  }

  /** Fills "New account after an ID check" and creates it; returns the new account's id. */
  async createAccount(form: NewAccountForm): Promise<string> {
    await this.page.getByRole('link', { name: /^(New account|새 계정)$/ }).click();
    await expect(this.heading()).toHaveText(/New account after an ID check|신분 확인 후/);
    const screen = this.page.locator('console-new-account');
    await screen.locator('#display-name').fill(form.displayName);
    if (form.currency) await screen.locator('#currency').selectOption(form.currency);
    if (form.monthlyLimit) await screen.locator('#limit').fill(form.monthlyLimit);
    await screen.locator('#document-type').selectOption(form.documentType);
    await screen.locator('#number-ending').fill(form.numberEnding);
    if (form.note) await screen.locator('#note').fill(form.note);
    await this.snap('new-account-filled');
    await screen.getByRole('button', { name: /^(Create account|계정 만들기)$/ }).click();
    await expect(this.heading()).toHaveText(form.displayName);
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/').at(-1) ?? '');
  }

  accountDetails(): Locator {
    return this.page.locator('console-account dl.details').first();
  }

  idCheck(): Locator {
    return this.page.locator('console-account section[aria-labelledby="id-check-title"]');
  }

  // ── enrolment and cards ──

  qr(): Locator {
    return this.page.locator('console-enrolment svg.qr');
  }

  /** Issues an enrolment and reads its QR off the screen as a phone camera would (zbarimg). */
  async issueEnrolment(): Promise<string> {
    await this.page
      .getByRole('button', {
        name: /^(Issue an enrolment|Issue a new enrolment|등록 링크 발급|새 등록 링크 발급)$/,
      })
      .click();
    await expect(this.qr()).toBeVisible();
    await this.snap('enrolment');
    const text = await decodeQrPng(await this.qr().screenshot());
    if (!text) throw new Error('zbarimg found no QR code on the console');
    return text;
  }

  cardRow(name: string): Locator {
    return this.page
      .locator('console-account section[aria-labelledby="cards-title"] tbody tr')
      .filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }

  async revokeCard(name: string): Promise<void> {
    await this.cardRow(name)
      .getByRole('button', { name: /Revoke|폐기/ })
      .click();
    await this.snap('revoke-dialog');
    await this.confirmDialog(/^(Revoke card|카드 폐기)$/);
  }

  dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  async confirmDialog(button: RegExp): Promise<void> {
    await expect(this.dialog()).toBeVisible();
    await this.dialog().getByRole('button', { name: button }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async freeze(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Freeze account|계정 동결)$/ }).click();
    await this.snap('freeze-dialog');
    await this.confirmDialog(/^(Freeze|동결)$/);
    await expect(this.page.locator('console-account .title .badge.frozen')).toBeVisible();
  }

  async unfreeze(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Unfreeze account|계정 동결 해제)$/ }).click();
    await this.confirmDialog(/^(Unfreeze|동결 해제)$/);
    await expect(this.page.locator('console-account .title .badge.frozen')).toBeHidden();
  }

  // ── merchants ──

  /** Creates a merchant on the Merchants screen; returns the secret key shown once. */
  async createMerchant(name: string, origins: string[], mode: 'test' | 'live' = 'test') {
    const screen = this.page.locator('console-merchants');
    await screen.locator('#merchant-name').fill(name);
    await screen.locator('#merchant-origins').fill(origins.join('\n'));
    await screen.locator(`input[name="merchant-mode"][value="${mode}"]`).check();
    await screen.getByRole('button', { name: /^(Create merchant|가맹점 만들기)$/ }).click();
    return this.shownSecret();
  }

  async shownSecret(): Promise<string> {
    const value = this.page.locator('console-secret code.secret-value');
    await expect(value).toBeVisible();
    await this.snap('secret');
    return ((await value.textContent()) ?? '').trim();
  }

  async rollKey(overlapMinutes: number): Promise<string> {
    await this.page.locator('console-merchant #overlap').fill(String(overlapMinutes));
    await this.page.getByRole('button', { name: /^(Roll secret key|비밀 키 교체)$/ }).click();
    await this.confirmDialog(/^(Roll secret key|비밀 키 교체)$/);
    return this.shownSecret();
  }

  // ── webhooks (on the merchant page) ──

  webhooks(): Locator {
    return this.page.locator('console-webhooks');
  }

  /** Types a webhook URL and saves it (the answer may show a signing secret, or an error). */
  async saveWebhookUrl(url: string): Promise<void> {
    await this.webhooks().locator('#webhook-url').fill(url);
    await this.webhooks()
      .getByRole('button', { name: /^(Save webhook URL|웹훅 URL 저장)$/ })
      .click();
  }

  async rollWebhookSecret(overlapMinutes: number): Promise<string> {
    await this.webhooks().locator('#webhook-overlap').fill(String(overlapMinutes));
    await this.webhooks()
      .getByRole('button', { name: /^(Roll signing secret|서명 비밀값 교체)$/ })
      .click();
    await this.confirmDialog(/^(Roll signing secret|서명 비밀값 교체)$/);
    return this.shownSecret();
  }

  /** The delivery log's rows, newest first. */
  webhookRows(): Locator {
    return this.webhooks().locator('table.webhook-log tbody tr');
  }

  async refreshWebhookLog(): Promise<void> {
    await this.webhooks()
      .getByRole('button', { name: /^(Refresh|새로 고침)$/ })
      .click();
  }

  // ── audit log ──

  auditRows(): Locator {
    return this.page.locator('console-audit tbody tr');
  }

  /** The audit rows as `actor action` lines, newest first. */
  async auditLines(): Promise<string[]> {
    await expect(this.auditRows().first()).toBeVisible();
    return this.auditRows().evaluateAll((rows) =>
      rows.map((row) => {
        const actor = row.querySelector('td:nth-child(2) code')?.textContent?.trim();
        const action = row.querySelector('code.action')?.textContent?.trim();
        return `${actor} ${action}`;
      }),
    );
  }

  async snap(state: string): Promise<void> {
    await snap(this.page, `${this.name}-${state}`);
  }

  /** A picture of one part of the screen (`console-part-<name>.png`, for docs/images). */
  async snapPart(part: Locator, name: string): Promise<void> {
    await snapPart(part, `${this.name}-part-${name}`);
  }
}
