// One place that says which Chromium the tests, benchmarks and screenshots drive and how.
// Playwright's own browser download does not work offline: use the system Chromium
// (Debian's /usr/bin/chromium) unless CHROME_PATH names another.
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Path of the Chromium to launch, or undefined to let Playwright use its own. */
export function chromiumExecutable() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Flags that work as root, offline, headless, on small machines. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Launch options for Playwright's `chromium.launch()`. */
export function chromiumLaunchOptions() {
  const executablePath = chromiumExecutable();
  return { headless: true, args: CHROMIUM_ARGS, ...(executablePath ? { executablePath } : {}) };
}
