/** `npm run screenshots` sets DUALPAY_SCREENSHOTS: page objects then save each state they reach. */
import { mkdirSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';

export const SCREENSHOT_DIR = 'test/e2e/screenshots';

export async function snap(page: Page, name: string): Promise<void> {
  if (!process.env.DUALPAY_SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

/** One part of a page (the pictures in docs/images are made this way, small). */
export async function snapPart(part: Locator, name: string): Promise<void> {
  if (!process.env.DUALPAY_SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await part.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png` });
}
