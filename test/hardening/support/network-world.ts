/**
 * The world of the element's network-fault tests: a real issuer on a temp SQLite file, a fault
 * proxy in front of it that the element talks to, a merchant site whose page carries the element,
 * and a phone (test/server/support/harness.ts) that approves through the issuer directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { startIssuer, type RunningIssuer } from '../../../src/server/index.js';
import { Phone } from '../../server/support/harness.js';
import { FaultProxy } from './fault-proxy.js';
import { MerchantSite } from './merchant-site.js';

export interface NetworkWorld {
  issuer: RunningIssuer;
  proxy: FaultProxy;
  site: MerchantSite;
  phone: Phone;
  close(): Promise<void>;
}

export async function startNetworkWorld(): Promise<NetworkWorld> {
  const site = await MerchantSite.start({ elementIssuerUrl: '', apiIssuerUrl: '' });
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-hardening-net-'));
  const issuer = await startIssuer({
    db: join(dir, 'issuer.db'),
    port: 0,
    seedDemo: { shopOrigins: [site.origin] },
    sweepIntervalMs: 500,
  });
  const proxy = await FaultProxy.start(issuer.url);
  site.options.apiIssuerUrl = issuer.url;
  site.options.elementIssuerUrl = proxy.url;
  const phone = new Phone(issuer.url);
  await phone.enrol();
  return {
    issuer,
    proxy,
    site,
    phone,
    async close() {
      await proxy.close();
      await site.close();
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The element's status property. */
export function elementStatus(page: Page): Promise<string> {
  return page
    .locator('dualpay-checkout')
    .evaluate((element) => (element as HTMLElement & { status: string }).status);
}

/** Opens the merchant page, presses Pay and returns the hand-off code the QR carries. */
export async function startCheckout(page: Page, site: MerchantSite): Promise<string> {
  await page.goto(site.origin);
  await page
    .locator('dualpay-checkout')
    .getByRole('button', { name: 'Pay with your card' })
    .click();
  const qr = page.locator('dualpay-checkout [part="qr"]');
  await expect(qr).toBeVisible({ timeout: 15_000 });
  const url = (await qr.getAttribute('data-url')) ?? '';
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The phone claims the hand-off `code`. */
export async function claim(world: NetworkWorld, code: string): Promise<void> {
  const claimed = await world.phone.claim(code);
  if (claimed.status !== 200) throw new Error(`claim: ${claimed.status}`);
}

/** The phone picks the number the merchant page shows and approves (issuer side, no proxy). */
export async function approve(world: NetworkWorld, code: string): Promise<void> {
  const session = await world.issuer.issuer.store.getSession(world.site.session.id);
  const options = await world.phone.authenticationOptions(code, session?.bindingCode ?? '');
  const confirmed = await world.phone.confirm(code, await world.phone.assert(options.body));
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status}`);
}
