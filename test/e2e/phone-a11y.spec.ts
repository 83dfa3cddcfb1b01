/**
 * Every state of the phone pages passes axe with no violation at all (so none serious or
 * critical), in English and Korean, light and dark, at 320 px without horizontal scrolling. `npm run screenshots` saves each
 * state this walk reaches (test/e2e/screenshots/phone-<lang>-<scheme>-<state>.png).
 */
import { expect, test } from '@playwright/test';
import type { SqliteStore } from '../../src/server/index.js';
import {
  Phone,
  createHandoff,
  createSession,
  publicSession,
  request,
} from '../server/support/harness.js';
import { PhonePages } from './pages/phone-pages.js';
import { axeViolations } from './support/axe.js';
import { startWorld, type World } from './support/world.js';

for (const locale of ['en-US', 'ko-KR'] as const) {
  for (const colorScheme of ['light', 'dark'] as const) {
    test.describe(`phone pages in ${locale}, ${colorScheme}, at 320 px`, () => {
      let world: World;
      test.beforeEach(async () => {
        world = await startWorld();
      });
      test.afterEach(() => world.close());

      test('every state passes axe and fits', async ({ browser }) => {
        test.setTimeout(180_000);
        const context = await browser.newContext({
          viewport: { width: 320, height: 640 },
          locale,
          colorScheme,
          bypassCSP: true,
        });
        const phone = await PhonePages.open(context, `phone-${locale.slice(0, 2)}-${colorScheme}`);
        const { page } = phone;
        const issuer = world.issuer.url;
        const found: Record<string, string[]> = {};
        const tooWide: string[] = [];
        const check = async (state: string) => {
          found[state] = await axeViolations(page);
          if ((await page.evaluate(() => document.documentElement.scrollWidth)) > 320) {
            tooWide.push(state);
          }
          await phone.snap(state);
        };
        /** A payment made as the merchant page would, with its number. */
        const payment = async () => {
          const session = await createSession(issuer);
          const handoff = await createHandoff(issuer, session);
          const { bindingCode } = (await publicSession(issuer, session)).body;
          return { session, handoff, bindingCode };
        };
        const approveButton = page.locator('dualpay-confirm-page button.approve');
        const cancel = page.getByRole('button', { name: /^(Cancel|취소)$/ });

        // Enrolment: the form, a wait for the card (with Cancel), done, a spent and a bad link.
        const enrolment = await world.newEnrollment();
        await page.goto(enrolment);
        await expect(page.locator('dualpay-enroll-page button.approve')).toBeVisible();
        await check('enrol');
        await phone.card.setAutomaticPresence(false);
        await page.locator('dualpay-enroll-page button.approve').click();
        await expect(cancel).toBeVisible();
        await check('enrol-waiting');
        await cancel.click();
        await phone.card.setAutomaticPresence(true);
        await page.locator('dualpay-enroll-page button.approve').click();
        await expect(page.locator('h1.ok')).toBeVisible();
        await check('enrolled');
        await page.goto(enrolment);
        await expect(page.getByRole('alert')).toBeVisible();
        await check('enrol-used');
        await page.goto(`${issuer}/e/AAAAAAAAAAAAAAAAAAAAAAAA`);
        await expect(page.getByRole('alert')).toBeVisible();
        await check('enrol-unknown');

        // A payment typed at /h: a bad code first, then the number, the card, the result.
        const first = await payment();
        await page.goto(`${issuer}/h`);
        await expect(page.locator('input#code')).toBeVisible();
        await check('enter-code');
        await page.locator('input#code').fill('AAAA');
        await page.locator('button[type=submit]').click();
        await expect(page.locator('.message')).toBeVisible();
        await check('enter-code-error');
        await page.locator('input#code').fill(first.handoff.userCode);
        await page.locator('button[type=submit]').click();
        await expect(page.locator('input#binding-number')).toBeVisible();
        await check('enter-number');
        await phone.typeNumber(first.bindingCode);
        await expect(approveButton).toBeVisible();
        await check('approve');
        await phone.card.setAutomaticPresence(false);
        await approveButton.click();
        await expect(cancel).toBeVisible();
        await check('waiting-card');
        await cancel.click();
        await phone.card.setAutomaticPresence(true);
        await approveButton.click();
        await expect(page.locator('h1.ok')).toBeVisible();
        await check('approved');
        await page.reload();
        await expect(page.locator('h1.ok')).toBeVisible();
        await check('approved-reopened');

        // Endings: declined, a wrong number, the shop cancelling, five failed approvals.
        const declined = await payment();
        await phone.openPayment(declined.handoff.url);
        await phone.decline();
        await expect(page.locator('h1.outcome')).toBeVisible();
        await check('declined');
        const mismatched = await payment();
        await phone.openPayment(mismatched.handoff.url);
        await phone.typeWrongNumber(mismatched.bindingCode);
        await expect(page.locator('h1.outcome')).toBeVisible();
        await check('mismatch');
        const cancelled = await payment();
        await phone.openPayment(cancelled.handoff.url);
        await expect(page.locator('input#binding-number')).toBeVisible();
        await request(issuer, 'POST', `/v1/checkout-sessions/${cancelled.session.id}/cancel`, {
          token: cancelled.session.clientSecret,
        });
        await expect(page.locator('h1.outcome')).toBeVisible({ timeout: 8_000 });
        await check('cancelled');
        const locked = await payment();
        await phone.openPayment(locked.handoff.url);
        await expect(page.locator('input#binding-number')).toBeVisible();
        // Five approvals the issuer refuses (no PIN), sent with this phone's cookie.
        const sameCookie = new Phone(issuer);
        await sameCookie.enrol();
        const [cookie] = await context.cookies(issuer);
        sameCookie.cookie = `${cookie?.name}=${cookie?.value}`;
        const options = await sameCookie.authenticationOptions(
          locked.handoff.code,
          locked.bindingCode,
        );
        for (let i = 0; i < 5; i++) {
          const noPin = await sameCookie.assert(options.body, { userVerified: false });
          await sameCookie.confirm(locked.handoff.code, noPin);
        }
        await page.reload();
        await expect(page.locator('h1.outcome')).toBeVisible();
        await check('locked');

        // Dead codes: replaced by a newer one, past its time, unknown.
        const replaced = await payment();
        await createHandoff(issuer, replaced.session);
        await phone.openPayment(replaced.handoff.url);
        await expect(page.locator('h1.outcome')).toBeVisible();
        await check('replaced');
        const expired = await payment();
        (world.issuer.issuer.store as SqliteStore).db
          .prepare('UPDATE handoffs SET expires_at = ? WHERE session_id = ?')
          .run(Date.now() - 1000, expired.session.id);
        await phone.openPayment(expired.handoff.url);
        await expect(page.locator('h1.outcome')).toBeVisible();
        await check('code-expired');
        await phone.openPayment(`${issuer}/h/AAAAAAAAAAAAAAAAAAAAAAAA`);
        await expect(page.locator('h1.bad')).toBeVisible();
        await check('bad-code');

        // Test mode with a simulated card on this phone: it leads.
        await phone.enrolSimulated(await world.newEnrollment());
        const simulated = await payment();
        await phone.openPayment(simulated.handoff.url);
        await phone.typeNumber(simulated.bindingCode);
        await expect(approveButton).toBeVisible();
        await check('approve-simulated');

        expect(found).toEqual(Object.fromEntries(Object.keys(found).map((state) => [state, []])));
        expect(Object.keys(found)).toHaveLength(20);
        expect(tooWide).toEqual([]);
        if (locale === 'ko-KR') await expect(page.locator('h1')).toHaveText(/카드로 승인하세요/);
        await context.close();
      });
    });
  }
}
