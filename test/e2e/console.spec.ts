/**
 * The operator console (`/console`) against a real issuer, in Chromium: the enrolment desk (an
 * account after an ID check, a phone enrolled from the console's QR with a virtual FIDO2 card),
 * revoking and freezing with their effect on real payments, merchants and key rolls, the audit
 * log, the session's life, and axe on every screen in English and Korean, at 1280 and 768 px.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { verifyWebhook } from '../../src/verify/index.js';
import { CheckoutPage } from './pages/checkout-page.js';
import { ConsolePage } from './pages/console-page.js';
import { PhonePages } from './pages/phone-pages.js';
import { axeViolations } from './support/axe.js';
import { ADMIN_KEY, startWorld, type World } from './support/world.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const DESK = { viewport: { width: 1280, height: 900 } };
const RATES = { base: 'KRW', rates: { USD: 1380 } };

/** A JSON call to the issuer with the demo admin key (what a script would do). */
async function adminCall<T>(world: World, method: string, path: string, body?: unknown) {
  const response = await fetch(`${world.issuer.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

/** A merchant's webhook endpoint on loopback: keeps every request, answers `status`. */
async function webhookReceiver() {
  const received: { body: string; headers: IncomingHttpHeaders }[] = [];
  const state = { status: 204 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    state,
    url: `http://127.0.0.1:${port}/dualpay/webhooks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The demo merchant's server makes a checkout session and cancels it: a `checkout.cancelled`. */
async function cancelledSession(world: World): Promise<string> {
  const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${world.issuer.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_demo',
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return (await response.json()) as { id: string };
  };
  const orderId = `o-${Math.random()}`;
  const { id } = await call(
    '/v1/checkout-sessions',
    { amount: 100, currency: 'KRW', orderId },
    { 'idempotency-key': orderId },
  );
  await call(`/v1/checkout-sessions/${id}/cancel`, {});
  return id;
}

/** The label the console shows for the signed-in key ("Signed in as <label>"). */
async function signedInLabel(desk: ConsolePage): Promise<string> {
  await expect(desk.signedInAs()).toBeVisible();
  const text = (await desk.signedInAs().textContent()) ?? '';
  return text
    .replace(/^Signed in as /, '')
    .replace(/\(으\)로 로그인됨$/, '')
    .trim();
}

async function merchantPage(browser: Browser, world: World, contexts: BrowserContext[]) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  contexts.push(context);
  const checkout = new CheckoutPage(await context.newPage(), 'console-shop');
  await checkout.recordEvents();
  await checkout.page.goto(world.shop.origin);
  return checkout;
}

/** Starts a payment at the shop and tries to approve it on `phone`; the phone must be refused. */
async function expectPaymentRefused(phone: PhonePages, checkout: CheckoutPage): Promise<void> {
  await checkout.startPayment();
  await phone.openPayment(await checkout.scanQr());
  await phone.expectDetails();
  await phone.typeNumber(await checkout.bindingCode());
  const approve = phone.page.getByRole('button', { name: /^(Approve|승인)$/ });
  const refusal = phone.page.locator('.message, h1.bad');
  await expect(approve.or(refusal).first()).toBeVisible();
  if (await approve.isVisible()) await phone.approve();
  await expect(refusal.first()).toBeVisible();
  await expect(phone.heading()).not.toHaveText(/Payment approved|결제 승인됨/);
  // The merchant page never settles.
  await checkout.page.waitForTimeout(1000);
  expect(await checkout.events('dualpay-settled')).toHaveLength(0);
  expect(await checkout.status()).not.toBe('settled');
}

async function expectPaymentSettles(phone: PhonePages, checkout: CheckoutPage): Promise<void> {
  await checkout.startPayment();
  await phone.openPayment(await checkout.scanQr());
  await phone.expectDetails();
  await phone.typeNumber(await checkout.bindingCode());
  await phone.approve();
  await expect(phone.heading()).toHaveText(/Payment approved/);
  await checkout.settlementToken();
}

test.describe('operator console', () => {
  let world: World;
  const contexts: BrowserContext[] = [];

  test.beforeEach(async () => {
    world = await startWorld({ exchangeRates: RATES, devWebhooks: true });
  });

  test.afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await world.close();
  });

  async function openDesk(browser: Browser, locale = 'en-US'): Promise<ConsolePage> {
    const context = await browser.newContext({ ...DESK, locale });
    contexts.push(context);
    return ConsolePage.open(context, world.issuer.url);
  }

  async function phone(browser: Browser, name = 'console-phone'): Promise<PhonePages> {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    return PhonePages.open(context, name);
  }

  test('the desk: find acct_demo, open an account after an ID check, enrol a phone from the QR, revoke its card; its payments are refused; the audit log shows each step by the operator', async ({
    browser,
  }) => {
    const desk = await openDesk(browser);
    await desk.snap('sign-in');
    await desk.signIn(ADMIN_KEY);
    await expect(desk.heading()).toHaveText('Accounts');
    const label = await signedInLabel(desk);

    await desk.search('acct_demo');
    await expect(desk.accountRows()).toHaveCount(1);
    await expect(desk.accountRows().first()).toContainText('Demo Payer');
    await desk.snap('accounts-search');
    await desk.search('');
    const accountId = await desk.createAccount({
      displayName: 'Park Ji-woo',
      currency: 'KRW',
      monthlyLimit: '300,000',
      documentType: 'passport',
      numberEnding: '7k2q',
      note: 'photo matches, valid until 2031',
    });
    expect(accountId).toMatch(/^acct_/);
    await expect(desk.accountDetails()).toContainText('₩300,000');
    await expect(desk.idCheck()).toContainText('Passport');
    await expect(desk.idCheck()).toContainText('…7K2Q');
    await expect(desk.idCheck()).toContainText('photo matches, valid until 2031');
    await expect(desk.idCheck()).toContainText(label);

    const enrolUrl = await desk.issueEnrolment();
    expect(enrolUrl).toMatch(new RegExp(`^${world.issuer.url}/e/[A-Za-z0-9_-]{22,64}$`));
    await expect(desk.page.locator('console-enrolment [role="timer"]')).toHaveText(/1[45]:\d\d/);
    const payer = await phone(browser);
    await desk.snapPart(desk.page.locator('console-enrolment'), 'enrolment');
    await payer.enrol(enrolUrl, 'Ji-woo’s card');

    // The account page sees the new card by itself and puts it in the table.
    await expect(desk.cardRow('Ji-woo’s card')).toContainText(/Active/);
    await expect(desk.cardRow('Ji-woo’s card')).toContainText(/Test card/);
    await expect(desk.qr()).toBeHidden();
    await desk.snap('account-with-card');
    await desk.snapPart(desk.idCheck(), 'id-check');
    await desk
      .cardRow('Ji-woo’s card')
      .getByRole('button', { name: /Revoke/ })
      .click();
    await expect(desk.dialog()).toBeVisible();
    await desk.snapPart(desk.dialog(), 'revoke-dialog');
    await desk.page.keyboard.press('Escape');
    await expect(desk.dialog()).toBeHidden();
    await desk.revokeCard('Ji-woo’s card');
    await expect(desk.cardRow('Ji-woo’s card')).toContainText(/Revoked/);
    await expect(desk.liveRegion()).toHaveText(/revoked/);

    const checkout = await merchantPage(browser, world, contexts);
    await expectPaymentRefused(payer, checkout);
    await payer.snap('refused-revoked');

    await desk.page.getByRole('link', { name: 'Audit log of this account' }).click();
    await expect(desk.heading()).toHaveText('Audit log');
    const lines = await desk.auditLines();
    await desk.snap('audit-account');
    await desk.snapPart(desk.page.locator('console-audit .table-wrap'), 'audit');
    // Newest first: each step of the desk, by the operator's key label; the phone's own steps too,
    // the revoked card's refused approval included (it names the account).
    expect(lines).toEqual([
      'phone approval.failed',
      `admin:${label} card.revoked`,
      'phone card.enrolled',
      `admin:${label} enrollment.created`,
      `admin:${label} account.created`,
    ]);
    await expect(desk.auditRows().first()).toContainText(/from (127\.0\.0\.1|::1)/);
  });

  test('freezing refuses payments in every currency (KRW and USD); unfreezing accepts them again', async ({
    browser,
  }) => {
    const desk = await openDesk(browser);
    await desk.signIn(ADMIN_KEY);
    await desk.createAccount({
      displayName: 'Lee Seo-yeon',
      documentType: 'national_id',
      numberEnding: '42',
    });
    const payer = await phone(browser);
    await payer.enrol(await desk.issueEnrolment(), 'Seo-yeon’s card');
    await expect(desk.cardRow('Seo-yeon’s card')).toBeVisible();

    await desk.freeze();
    await desk.snap('account-frozen');
    await expectPaymentRefused(payer, await merchantPage(browser, world, contexts));
    world.shop.order = { amount: 500, currency: 'USD' };
    await expectPaymentRefused(payer, await merchantPage(browser, world, contexts));

    // The same USD payment goes through once unfrozen: it was the freeze that refused it.
    await desk.unfreeze();
    await expectPaymentSettles(payer, await merchantPage(browser, world, contexts));
  });

  test('merchants: a new merchant’s secret key is shown once and works; a roll with overlap keeps the old key working, one without stops it', async ({
    browser,
  }) => {
    const desk = await openDesk(browser);
    await desk.signIn(ADMIN_KEY);
    await desk.menu(/^Merchants$/);
    await expect(desk.heading()).toHaveText('Merchants');
    const checkout = (secretKey: string) =>
      fetch(`${world.issuer.url}/v1/checkout-sessions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secretKey}`,
          'content-type': 'application/json',
          'idempotency-key': `k-${Math.random()}`,
        },
        body: JSON.stringify({ amount: 100, currency: 'KRW', orderId: `o-${Math.random()}` }),
      }).then((response) => response.status);

    const first = await desk.createMerchant('Corner Bakery', ['https://bakery.example']);
    expect(first).toMatch(/^sk_test_/);
    await desk.page.getByRole('button', { name: 'I have stored it' }).click();
    await expect(desk.page.locator('console-secret')).toHaveCount(0);
    expect(await desk.deepText()).not.toContain(first);
    expect(await checkout(first)).toBe(201);

    await desk.page
      .locator('console-merchants tbody')
      .getByRole('link', { name: 'Corner Bakery' })
      .click();
    await expect(desk.heading()).toHaveText('Corner Bakery');
    await expect(desk.page.locator('console-merchant table')).toContainText('sk_test_');
    expect(await desk.deepText()).not.toContain(first);
    await desk.page.locator('console-merchant #merchant-name').fill('Corner Bakery & Café');
    await desk.page.getByRole('button', { name: 'Save changes' }).click();
    await expect(desk.heading()).toHaveText('Corner Bakery & Café');

    const second = await desk.rollKey(5);
    expect(second).not.toBe(first);
    expect(await checkout(second)).toBe(201);
    expect(await checkout(first)).toBe(201);
    await desk.page.getByRole('button', { name: 'I have stored it' }).click();
    const third = await desk.rollKey(0);
    expect(await checkout(third)).toBe(201);
    // An issuer process caches keys for up to 2 s (docs/protocol.md "Admin API").
    await expect.poll(() => checkout(second), { timeout: 5000 }).toBe(401);
    await desk.snap('merchant-rolled');
  });

  test('webhooks: the first URL shows its signing secret once; a failed delivery is in the log and Redeliver sends it again with the same id; a roll signs with the new secret; a private address is refused', async ({
    browser,
  }) => {
    const receiver = await webhookReceiver();
    receiver.state.status = 500;
    const desk = await openDesk(browser);
    await desk.signIn(ADMIN_KEY);
    await desk.goto('/console/merchants/m_demo');
    await expect(desk.webhooks().locator('#webhook-url')).toHaveValue('');

    await desk.saveWebhookUrl('https://10.0.0.5/hooks');
    await expect(desk.webhooks().locator('#webhook-url-error')).toContainText(
      'The issuer refused this URL',
    );
    await desk.snap('merchant-webhook-refused');
    await desk.saveWebhookUrl(receiver.url);
    const secret = await desk.shownSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    await desk.snapPart(desk.webhooks(), 'webhook-secret');
    await desk.page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await desk.deepText()).not.toContain(secret);

    const sessionId = await cancelledSession(world);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const first = receiver.received[0]!;
    const event = verifyWebhook(first.body, first.headers, secret);
    expect([event.type, event.data.id]).toEqual(['checkout.cancelled', sessionId]);
    await desk.refreshWebhookLog();
    const row = desk.webhookRows().first();
    await expect(row.locator('.badge')).toHaveText('Pending');
    await row.locator('summary').click();
    await expect(row).toContainText('HTTP 500');
    await expect(row.locator('code.event-id')).toHaveText(event.id);
    await desk.snap('merchant-webhook-log');
    await desk.snapPart(desk.webhooks(), 'webhook-log');

    receiver.state.status = 204;
    const before = receiver.received.length;
    await row.getByRole('button', { name: `Redeliver ${event.id}` }).click();
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(before);
    expect(receiver.received.at(-1)?.headers['webhook-id']).toBe(event.id);
    await expect
      .poll(
        async () => {
          await desk.refreshWebhookLog();
          return desk.webhookRows().first().locator('.badge').textContent();
        },
        { timeout: 10_000 },
      )
      .toBe('Delivered');

    const rolled = await desk.rollWebhookSecret(0);
    expect(rolled).not.toBe(secret);
    await desk.page.getByRole('button', { name: 'I have stored it' }).click();
    const sent = receiver.received.length;
    await cancelledSession(world);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(sent);
    const last = receiver.received.at(-1)!;
    expect(verifyWebhook(last.body, last.headers, rolled).type).toBe('checkout.cancelled');
    expect(() => verifyWebhook(last.body, last.headers, secret)).toThrow();

    await desk.webhooks().getByRole('button', { name: 'Remove webhook URL' }).click();
    await desk.confirmDialog(/^Remove webhook URL$/);
    await expect(desk.webhooks().getByRole('button', { name: 'Remove webhook URL' })).toHaveCount(
      0,
    );
    await expect(desk.webhooks().locator('#webhook-url')).toHaveValue('');
    await receiver.close();
  });

  test('a wrong or revoked admin key cannot sign in; a revoked key’s session ends; a signed-out cookie is dead', async ({
    browser,
  }) => {
    const desk = await openDesk(browser);
    await desk.signIn('ak_test_not_a_key');
    await expect(desk.signInError()).toHaveText('This admin key is not valid, or it was revoked.');
    await desk.snap('sign-in-refused');

    const created = await adminCall<{ id: string; key: string }>(world, 'POST', '/v1/admin-keys', {
      label: 'desk-2',
    });
    expect(created.status).toBe(201);
    await desk.signIn(created.body.key);
    await expect(desk.signedInAs()).toHaveText('Signed in as desk-2');
    // The accounts screen has had its answer: nothing of this session is in flight.
    await expect(desk.accountRows().first()).toBeVisible();
    expect(
      (await adminCall(world, 'POST', `/v1/admin-keys/${created.body.id}/revoke`)).status,
    ).toBe(200);
    // The next call of the open console answers 401: back to sign-in, saying why.
    await desk.menu(/^Merchants$/);
    await expect(desk.page.locator('console-sign-in .notice')).toHaveText(
      'Your session ended. Sign in again to continue.',
    );
    await desk.snap('session-ended');
    await desk.signIn(created.body.key);
    await expect(desk.signInError()).toHaveText('This admin key is not valid, or it was revoked.');

    await desk.signIn(ADMIN_KEY);
    await expect(desk.signedInAs()).toBeVisible();
    const cookie = (await desk.page.context().cookies()).find((c) =>
      /dualpay_console$/.test(c.name),
    );
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    await desk.signOut();
    const replay = (method: string, path: string) =>
      fetch(`${world.issuer.url}${path}`, {
        method,
        headers: {
          cookie: `${cookie?.name}=${cookie?.value}`,
          origin: world.issuer.url,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: JSON.stringify({ displayName: 'Replay' }) } : {}),
      }).then((response) => response.status);
    expect(await replay('GET', '/v1/console/session')).toBe(401);
    expect(await replay('GET', '/v1/accounts')).toBe(401);
    expect(await replay('POST', '/v1/accounts')).toBe(401);
  });

  test('names, notes and audit details with markup are shown as text, never run', async ({
    browser,
  }) => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    const account = await adminCall<{ id: string }>(world, 'POST', '/v1/accounts', {
      displayName: `Kim ${payload}`,
      idCheck: { documentType: 'other', numberEnding: '12', note: payload },
    });
    const merchant = await adminCall<{ id: string }>(world, 'POST', '/v1/merchants', {
      name: `Shop ${payload}`,
      allowedOrigins: [],
    });
    expect([account.status, merchant.status]).toEqual([201, 201]);
    const desk = await openDesk(browser);
    await desk.signIn(ADMIN_KEY);

    await desk.goto(`/console/accounts/${account.body.id}`);
    await expect(desk.heading()).toHaveText(`Kim ${payload}`);
    await expect(desk.idCheck()).toContainText(payload);
    await desk.goto(`/console/audit?merchantId=${merchant.body.id}`);
    await expect(desk.auditRows().first()).toContainText(payload.replaceAll('"', '\\"'));
    await desk.goto('/console/merchants');
    await expect(desk.page.locator('console-merchants tbody')).toContainText(payload);

    const injected = await desk.page.evaluate(() => {
      const images = (root: Document | ShadowRoot): number =>
        root.querySelectorAll('img').length +
        [...root.querySelectorAll('*')].reduce(
          (n, element) => n + (element.shadowRoot ? images(element.shadowRoot) : 0),
          0,
        );
      return { images: images(document), pwned: (window as { __pwned?: number }).__pwned };
    });
    expect(injected).toEqual({ images: 0, pwned: undefined });
  });

  test('every screen lands on itself after a reload, focus moves to each new screen’s heading, and it works from the keyboard', async ({
    browser,
  }) => {
    const desk = await openDesk(browser);
    await desk.page.getByLabel('Admin key').focus();
    await desk.page.keyboard.type(ADMIN_KEY);
    await desk.page.keyboard.press('Enter');
    await expect(desk.heading()).toHaveText('Accounts');
    await expect.poll(() => desk.focused()).toEqual({ tag: 'h1', text: 'Accounts' });

    await desk.menu(/^Audit log$/);
    await expect(desk.heading()).toHaveText('Audit log');
    await expect.poll(() => desk.focused()).toEqual({ tag: 'h1', text: 'Audit log' });
    await desk.page.goBack();
    await expect(desk.heading()).toHaveText('Accounts');

    for (const [path, heading] of [
      ['/console?query=demo', 'Accounts'],
      ['/console/accounts/new', 'New account after an ID check'],
      ['/console/accounts/acct_demo', 'Demo Payer'],
      ['/console/merchants', 'Merchants'],
      ['/console/merchants/m_demo', 'dualpay Demo Shop'],
      ['/console/audit?accountId=acct_demo', 'Audit log'],
      ['/console/no-such-screen', 'There is no such page'],
    ] as const) {
      await desk.goto(path);
      await desk.page.reload();
      await expect(desk.heading()).toHaveText(heading);
      expect(new URL(desk.page.url()).pathname + new URL(desk.page.url()).search).toBe(path);
    }
    await desk.goto('/console?query=demo');
    await expect(desk.page.getByRole('searchbox')).toHaveValue('demo');
  });
});

/** Visits every console screen (and its dialog, errors and one-time secret), running axe on each. */
async function everyScreen(desk: ConsolePage, world: World): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  const check = async (name: string) => {
    await desk.snap(name);
    found[name] = await axeViolations(desk.page, ['serious', 'critical']);
  };
  await check('sign-in');
  await desk.signIn('ak_test_not_a_key');
  await expect(desk.signInError()).toBeVisible();
  await check('sign-in-error');
  await desk.signIn(ADMIN_KEY);
  await expect(desk.page.locator('console-accounts tbody tr').first()).toBeVisible();
  await check('accounts');
  await desk.goto('/console/accounts/new');
  await desk.page.locator('console-new-account button[type=submit]').click();
  await expect(desk.page.locator('console-new-account .field-error').first()).toBeVisible();
  await check('new-account-errors');
  await desk.goto('/console/accounts/acct_demo');
  await desk.issueEnrolment();
  await check('account-enrolment');
  await desk.page.locator('console-account button.danger').last().click();
  await expect(desk.dialog()).toBeVisible();
  await check('freeze-dialog');
  await desk.page.keyboard.press('Escape');
  await desk.goto('/console/merchants');
  await desk.createMerchant(`Shop ${Date.now()}`, ['https://shop.example']);
  await check('merchants-secret');
  await desk.goto('/console/merchants/m_demo');
  await check('merchant');
  await desk.saveWebhookUrl('https://10.0.0.5/hooks');
  await expect(desk.webhooks().locator('.field-error')).toBeVisible();
  await check('merchant-webhook-refused');
  // Nothing listens on port 9 (discard): every delivery fails, and the log shows the attempts.
  await desk.saveWebhookUrl('http://127.0.0.1:9/dualpay/webhooks');
  await desk.shownSecret();
  await check('merchant-webhook-secret');
  await desk.page.getByRole('button', { name: /^(I have stored it|보관했습니다)$/ }).click();
  await cancelledSession(world);
  await expect
    .poll(
      async () => {
        await desk.refreshWebhookLog();
        return desk.webhookRows().locator('summary').count();
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThan(0);
  await desk.webhookRows().first().locator('summary').click();
  await check('merchant-webhook-log');
  await desk.goto('/console/audit');
  await expect(desk.auditRows().first()).toBeVisible();
  await check('audit');
  await desk.goto('/console/nowhere');
  await check('not-found');
  return found;
}

for (const [locale, width, colorScheme] of [
  ['en-US', 1280, 'light'],
  ['en-US', 768, 'light'],
  ['ko-KR', 1280, 'light'],
  ['ko-KR', 768, 'light'],
  ['en-US', 1280, 'dark'],
  ['ko-KR', 768, 'dark'],
] as const) {
  test.describe(`console screens in ${locale} at ${width} px, ${colorScheme}`, () => {
    let world: World;
    test.beforeEach(async () => {
      world = await startWorld({ devWebhooks: true });
    });
    test.afterEach(() => world.close());

    test('axe finds no serious or critical violation on any screen', async ({ browser }) => {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        locale,
        colorScheme,
        bypassCSP: true,
      });
      const desk = await ConsolePage.open(
        context,
        world.issuer.url,
        `console-${locale.slice(0, 2)}-${width}-${colorScheme}`,
      );

      const found = await everyScreen(desk, world);

      expect(found).toEqual({
        'sign-in': [],
        'sign-in-error': [],
        accounts: [],
        'new-account-errors': [],
        'account-enrolment': [],
        'freeze-dialog': [],
        'merchants-secret': [],
        merchant: [],
        'merchant-webhook-refused': [],
        'merchant-webhook-secret': [],
        'merchant-webhook-log': [],
        audit: [],
        'not-found': [],
      });
      const overflow = await desk.page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      if (locale === 'ko-KR') await expect(desk.heading()).toHaveText('없는 페이지입니다');
      await context.close();
    });
  });
}
