// Browser unit tests (test/**/*.browser.test.ts) in the system Chromium via Playwright.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';
import { summaryReporter } from './scripts/reporters/wtr-summary.mjs';
import { issuerPlugin, prebundledCommonJs } from './test/support/wtr-plugins.mjs';

const port = Number(process.env.WTR_PORT ?? 8765);
const issuer = issuerPlugin({
  shopOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
});

export default {
  files: ['test/**/*.browser.test.ts', '!test/fixtures/**'],
  nodeResolve: { exportConditions: ['browser'] },
  port,
  plugins: [
    prebundledCommonJs([
      'qrcode/lib/core/qrcode.js',
      'jsqr',
      { specifier: 'standardwebhooks', names: ['Webhook', 'WebhookVerificationError'] },
    ]),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    issuer,
  ],
  middleware: [issuer.middleware],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions: chromiumLaunchOptions() })],
  concurrency: 1,
  testFramework: { config: { ui: 'bdd', timeout: 10000 } },
  reporters: [
    defaultReporter({ reportTestResults: true, reportTestProgress: false }),
    summaryReporter(),
  ],
};
