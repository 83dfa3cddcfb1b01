/** `npm run screenshots` sets DUALPAY_SCREENSHOTS: page objects then save each state they reach. */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';

export const SCREENSHOT_DIR = 'test/e2e/screenshots';

export async function snap(page: Page, name: string): Promise<void> {
  if (!process.env.DUALPAY_SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}
