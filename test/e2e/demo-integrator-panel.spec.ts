/**
 * The demo shop's Integrator panel is a `<details>`: its summary must look openable — a
 * disclosure marker before the text that turns when it opens — and open and close from the
 * keyboard. The page and its stylesheet are served as files; nothing else is needed to draw it.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { StaticServer } from './support/static-server.js';

test.describe('the demo’s Integrator panel (demo/public/index.html, styles.css)', () => {
  let server: StaticServer;

  test.beforeAll(async () => {
    server = await StaticServer.start({
      '/': { type: 'text/html', body: readFileSync('demo/public/index.html') },
      '/styles.css': { type: 'text/css', body: readFileSync('demo/public/styles.css') },
    });
  });

  test.afterAll(() => server.close());

  test('its summary shows a disclosure marker before its text, drawn differently when open', async ({
    page,
  }) => {
    await page.goto(server.origin);
    const summary = page.locator('#integrator > summary');
    const closed = await summary.screenshot();

    const marker = await summary.evaluate((element) => {
      const style = getComputedStyle(element);
      const before = getComputedStyle(element, '::before').content;
      const text = document.createRange();
      text.selectNodeContents(element.firstChild ?? element);
      const box = element.getBoundingClientRect();
      const contentLeft =
        box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
      return {
        // The browser's own marker (a list-item summary) or one drawn with ::before.
        drawn:
          (style.display === 'list-item' && style.listStyleType !== 'none') ||
          !['none', 'normal'].includes(before),
        // Room taken before the text: the marker is there, not squeezed away.
        textIndent: text.getBoundingClientRect().left - contentLeft,
      };
    });
    await summary.click();
    const open = await summary.screenshot();

    expect(marker.drawn).toBe(true);
    expect(marker.textIndent).toBeGreaterThanOrEqual(8);
    // Same text, so a different picture is the marker turning.
    expect(open.equals(closed)).toBe(false);
  });

  test('Tab reaches the summary; Enter opens the panel and Space closes it', async ({ page }) => {
    await page.goto(server.origin);
    const details = page.locator('#integrator');
    const summary = details.locator('> summary');

    for (let i = 0; i < 40 && !(await summary.evaluate((s) => s === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(summary).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(details).toHaveAttribute('open', '');
    await expect(page.getByRole('button', { name: 'Enrol a test card' })).toBeVisible();
    await page.keyboard.press('Space');
    await expect(details).not.toHaveAttribute('open');
  });
});
