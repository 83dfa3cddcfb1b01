// Browser unit tests (test/**/*.browser.test.ts) in the system Chromium via Playwright.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';
import { summaryReporter } from './scripts/reporters/wtr-summary.mjs';

export default {
  files: ['test/**/*.browser.test.ts', '!test/fixtures/**'],
  nodeResolve: { exportConditions: ['browser'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions: chromiumLaunchOptions() })],
  concurrency: 1,
  testFramework: { config: { ui: 'bdd', timeout: 10000 } },
  reporters: [
    defaultReporter({ reportTestResults: true, reportTestProgress: false }),
    summaryReporter(),
  ],
};
