/**
 * The element in Chromium against a real issuer behind a faulty proxy
 * (test/hardening/support/fault-proxy.ts): an SSE stream cut in the middle of an event, every
 * event cut, a proxy that buffers SSE until the end, an issuer answering 503 for a while, and a
 * slow issuer. In each case the element reaches `settled` through reconnecting or polling, keeps
 * telling the payer what is happening, and sends no storm of requests (counted at the proxy).
 * test/flow/transports.browser.test.ts covers the same transports against a fake issuer.
 */
import { expect, test, type Page } from '@playwright/test';
import {
  approve,
  claim,
  elementStatus,
  startCheckout,
  startNetworkWorld,
  type NetworkWorld,
} from '../hardening/support/network-world.js';

const SETTLED_EVENT = (block: string) => block.includes('"status":"settled"');
const ANY_EVENT = (block: string) => block.includes('event: session');

/** Requests per second the element may make on average, whatever happens (poll every 2 s). */
function assertNoStorm(world: NetworkWorld, since: number): void {
  const seconds = Math.max(1, (Date.now() - since) / 1000);
  const sent = world.proxy.requests.filter((r) => r.at >= since && r.kind !== 'preflight').length;
  expect(sent, `${sent} requests in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(
    3 + Math.ceil(seconds),
  );
}

/** While the payer approves elsewhere, the element says so and shows no error. */
async function expectWaitingClearly(page: Page): Promise<void> {
  const element = page.locator('dualpay-checkout');
  expect(await elementStatus(page)).toBe('awaiting-confirmation');
  // The instruction stays; a "Reconnecting…" line may stand beside it (both are status parts).
  await expect(element.locator('[part="status"]').last()).toHaveText(/\S/);
  await expect(element.locator('[part="error"]')).toHaveCount(0);
}

test.describe('the element under network faults', () => {
  let world: NetworkWorld;
  test.beforeEach(async () => {
    world = await startNetworkWorld();
  });
  test.afterEach(async () => {
    await world?.close();
  });

  test('reconnects after the SSE stream is cut in the middle of the settled event', async ({
    page,
  }) => {
    world.proxy.fault = { kind: 'cut-sse', when: SETTLED_EVENT, times: 1 };
    const since = Date.now();
    const code = await startCheckout(page, world.site);
    await claim(world, code);
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');

    await approve(world, code);

    await expect.poll(() => elementStatus(page), { timeout: 10_000 }).toBe('settled');
    expect(world.proxy.count('events')).toBeGreaterThanOrEqual(2);
    expect(world.proxy.count('events')).toBeLessThanOrEqual(4);
    assertNoStorm(world, since);
  });

  test('falls back to polling when every SSE event is cut, and settles', async ({ page }) => {
    world.proxy.fault = { kind: 'cut-sse', when: ANY_EVENT, times: 1_000 };
    const since = Date.now();
    const code = await startCheckout(page, world.site);
    await claim(world, code);
    await expect.poll(() => elementStatus(page), { timeout: 10_000 }).toBe('awaiting-confirmation');
    await expectWaitingClearly(page);

    await approve(world, code);

    await expect.poll(() => elementStatus(page), { timeout: 10_000 }).toBe('settled');
    expect(world.proxy.count('public')).toBeGreaterThanOrEqual(2);
    expect(world.proxy.count('events')).toBeLessThanOrEqual(3);
    assertNoStorm(world, since);
  });

  test('falls back to polling behind a proxy that buffers SSE until the end', async ({ page }) => {
    world.proxy.fault = { kind: 'buffer-sse' };
    const since = Date.now();
    const code = await startCheckout(page, world.site);
    await claim(world, code);
    // The first /public is the element's first snapshot; a second one means it polls.
    await expect.poll(() => world.proxy.count('public'), { timeout: 25_000 }).toBeGreaterThan(1);
    await expect.poll(() => elementStatus(page), { timeout: 5_000 }).toBe('awaiting-confirmation');
    await expectWaitingClearly(page);

    await approve(world, code);

    await expect.poll(() => elementStatus(page), { timeout: 8_000 }).toBe('settled');
    expect(world.proxy.count('events')).toBeLessThanOrEqual(3);
    assertNoStorm(world, since);
  });

  test('keeps waiting clearly while the issuer answers 503, then settles without a storm', async ({
    page,
  }) => {
    const since = Date.now();
    const code = await startCheckout(page, world.site);
    await claim(world, code);
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');

    world.proxy.fault = { kind: 'status', status: 503, retryAfterSec: 1 };
    world.proxy.dropStreams();
    const outage = Date.now();
    await approve(world, code);
    await page.waitForTimeout(5_000);
    await expectWaitingClearly(page);
    const duringOutage = world.proxy.requests.filter(
      (r) => r.at >= outage && r.kind !== 'preflight',
    ).length;
    world.proxy.fault = { kind: 'none' };

    await expect.poll(() => elementStatus(page), { timeout: 20_000 }).toBe('settled');
    expect(duringOutage, `${duringOutage} requests in a 5 s outage`).toBeLessThanOrEqual(6);
    assertNoStorm(world, since);
  });

  test('settles through an issuer that answers every request 1.5 s late after a dropped stream', async ({
    page,
  }) => {
    const since = Date.now();
    const code = await startCheckout(page, world.site);
    await claim(world, code);
    await expect.poll(() => elementStatus(page)).toBe('awaiting-confirmation');

    world.proxy.fault = { kind: 'delay', ms: 1_500 };
    world.proxy.dropStreams();
    await approve(world, code);
    await page.waitForTimeout(1_000);
    await expectWaitingClearly(page);

    await expect.poll(() => elementStatus(page), { timeout: 15_000 }).toBe('settled');
    assertNoStorm(world, since);
  });
});
