// End-to-end tests (test/e2e/**/*.spec.ts) in the system Chromium.
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';

// scripts/test.mjs points this elsewhere to prove that a failing spec fails `npm test`.
const testFiles = process.env.DUALPAY_E2E_FILES;

export default defineConfig({
  testDir: testFiles ? '.' : 'test/e2e',
  testMatch: testFiles ?? '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  outputDir: '.test-results/playwright',
  reporter: [['list'], ['./scripts/reporters/playwright-summary.mjs']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    trace: 'off',
  },
});
