/**
 * Web Push from the phone pages (issue #15): after enrolment the payer turns notifications on with
 * one button (permission asked on the click), the page registers the issuer's service worker at
 * `/sw.js` and posts the subscription; after a payment the issuer sends exactly one message, which
 * the local push service decrypts (RFC 8291) to the payment's payload. Chromium cannot use a local
 * push service as its own, so the browser's `pushManager.subscribe` answers the local service's
 * subscription; everything else (permission, service worker, VAPID key, the POST) is real.
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import type { PushSubscriptionJson } from '../../src/protocol/index.js';
import { LocalPushService } from '../server/support/push-service.js';
import { CheckoutPage } from './pages/checkout-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const OPT_IN = /Get a notification after every payment/;

test.describe('payment notifications', () => {
  let world: World;
  let push: LocalPushService;
  const contexts: BrowserContext[] = [];

  test.beforeEach(async () => {
    push = await LocalPushService.start();
    world = await startWorld({ devPush: true });
  });

  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await world.close();
    await push.close();
  });

  /** A phone whose browser's push subscription is `subscription`. */
  async function phone(browser: Browser, subscription: PushSubscriptionJson) {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: world.issuer.url });
    await context.addInitScript((json: PushSubscriptionJson) => {
      PushManager.prototype.subscribe = async function () {
        return { endpoint: json.endpoint, toJSON: () => json } as unknown as PushSubscription;
      };
    }, subscription);
    return PhonePages.open(context, 'push-phone');
  }

  test('subscribes after enrolment, then gets exactly one message after a payment', async ({
    browser,
  }) => {
    const channel = push.subscribe();
    const payer = await phone(browser, channel.subscription);
    await payer.enrol(await world.newEnrollment());

    await payer.page.getByRole('button', { name: OPT_IN }).click();

    await expect(
      payer.page.getByText('This phone gets a notification after every payment.'),
    ).toBeVisible();
    await expect(payer.page.getByRole('button', { name: OPT_IN })).toHaveCount(0);
    const worker = await payer.page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/');
      return { script: registration?.active?.scriptURL ?? null, scope: registration?.scope };
    });
    expect(worker).toEqual({ script: `${world.issuer.url}/sw.js`, scope: `${world.issuer.url}/` });
    await payer.snap('push-on');

    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    contexts.push(context);
    const checkout = new CheckoutPage(await context.newPage());
    await checkout.page.goto(world.shop.origin);
    await checkout.startPayment();
    await payer.openPayment(await checkout.scanQr());
    await payer.typeNumber(await checkout.bindingCode());
    await payer.approve();
    await expect(payer.heading()).toHaveText(/Payment approved/);
    await checkout.expectStatus('settled');

    const [message] = await push.waitFor(1);
    expect(push.rejected).toEqual([]);
    expect(push.received).toHaveLength(1);
    const payload = message?.payload as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'payment-attempt',
      outcome: 'settled',
      merchantName: 'dualpay Demo Shop',
      currency: 'KRW',
    });
    expect(payload.sessionId).toMatch(/^cs_/);
    expect(typeof payload.amount).toBe('number');
    // After the result, the confirmation page offers it too (this phone's subscription is there).
    await expect(payer.page.getByRole('button', { name: OPT_IN })).toBeVisible();

    // The page the notification opens shows the payment.
    await payer.page.goto(`${world.issuer.url}/p/${String(payload.sessionId)}`);
    await expect(payer.heading()).toHaveText('Payment made');
    await expect(payer.page.getByText('dualpay Demo Shop', { exact: true })).toBeVisible();
    await payer.snap('payment-page');
  });
});
