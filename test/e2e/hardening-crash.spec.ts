/**
 * The merchant page's element across an issuer crash: the issuer runs as a child process
 * (test/server/support/process.ts), is SIGKILLed in the middle of a payment and restarted on the
 * same port and SQLite file. The element, whose stream died with the issuer, must end `settled`
 * through SSE reconnection or polling, with the token the issuer keeps for the session.
 * test/hardening/crash.test.ts checks the issuer side of the same crashes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Session } from '../../src/protocol/index.js';
import { DEMO } from '../../src/server/index.js';
import { MerchantSite } from '../hardening/support/merchant-site.js';
import { elementStatus, startCheckout } from '../hardening/support/network-world.js';
import { Phone, request } from '../server/support/harness.js';
import { freePort, spawnIssuer, type IssuerProcess } from '../server/support/process.js';

test.describe('the element across an issuer crash', () => {
  let dir: string;
  let db: string;
  let port: number;
  let issuer: IssuerProcess;
  let site: MerchantSite;
  let phone: Phone;

  const start = () => spawnIssuer(port, db, ['--shop-origin', site.origin]);

  test.beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dualpay-hardening-e2e-crash-'));
    db = join(dir, 'issuer.db');
    port = await freePort();
    const url = `http://localhost:${port}`;
    site = await MerchantSite.start({ elementIssuerUrl: url, apiIssuerUrl: url });
    issuer = await start();
    phone = new Phone(issuer.url);
    await phone.enrol();
  });
  test.afterEach(async () => {
    await issuer.stop();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Records the element's dualpay-settled events (call before goto). */
  async function recordSettled(page: Page): Promise<() => Promise<string[]>> {
    await page.addInitScript(() => {
      const tokens: string[] = [];
      (window as unknown as { __settled: string[] }).__settled = tokens;
      document.addEventListener('dualpay-settled', (event) =>
        tokens.push((event as CustomEvent<{ token: string }>).detail.token),
      );
    });
    return () => page.evaluate(() => (window as unknown as { __settled: string[] }).__settled);
  }

  /** The number the merchant page shows, as the payer reads it. */
  const bindingCodeOf = async (page: Page) =>
    ((await page.locator('dualpay-checkout [part="binding-code"]').textContent()) ?? '').trim();

  const storedToken = async (session: Session) =>
    (
      await request<Session>(issuer.url, 'GET', `/v1/checkout-sessions/${session.id}`, {
        token: DEMO.secretKey,
      })
    ).body.settlementToken;

  test('a crash after the phone claimed: the phone approves after the restart, the page ends settled', async ({
    page,
  }) => {
    const settledTokens = await recordSettled(page);
    const code = await startCheckout(page, site);
    const bindingCode = await bindingCodeOf(page);
    expect((await phone.claim(code)).status).toBe(200);
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');

    await issuer.kill();
    issuer = await start();
    const options = await phone.authenticationOptions(code, bindingCode);
    const confirmed = await phone.confirm(code, await phone.assert(options.body));

    expect(confirmed.status).toBe(200);
    await expect.poll(() => elementStatus(page), { timeout: 20_000 }).toBe('settled');
    expect(await settledTokens()).toEqual([await storedToken(site.session)]);
  });

  test('a crash right after commit, before the page heard of it: the page still ends settled', async ({
    page,
  }) => {
    const settledTokens = await recordSettled(page);
    const code = await startCheckout(page, site);
    const bindingCode = await bindingCodeOf(page);
    expect((await phone.claim(code)).status).toBe(200);
    const options = await phone.authenticationOptions(code, bindingCode);
    const approval = await phone.assert(options.body);
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');

    const confirmed = await phone.confirm(code, approval);
    await issuer.kill();
    const statusDuringOutage = await elementStatus(page);
    issuer = await start();

    expect(confirmed.status).toBe(200);
    expect(['awaiting-confirmation', 'settled']).toContain(statusDuringOutage);
    await expect.poll(() => elementStatus(page), { timeout: 20_000 }).toBe('settled');
    expect(await settledTokens()).toEqual([await storedToken(site.session)]);
  });
});
