// `npm run screenshots`: runs the end-to-end flows with DUALPAY_SCREENSHOTS set, so the page
// objects save every merchant, phone and console state they reach under test/e2e/screenshots/
// (not committed; the console's, light and dark, en and ko, come from test/e2e/console.spec.ts).
// Korean text needs a CJK font (Debian: apt-get install fonts-noto-cjk).
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { spawnLocal } from './run.mjs';

const dir = 'test/e2e/screenshots';
rmSync(dir, { recursive: true, force: true });
try {
  if (!/CJK|KR/i.test(execFileSync('fc-list', { encoding: 'utf8' }))) {
    console.warn(
      'screenshots: no CJK font found; Korean text will show as boxes (apt-get install fonts-noto-cjk)',
    );
  }
} catch {
  // No fontconfig: nothing to check.
}
if ((await spawnLocal('rollup', ['-c', '--silent'])) !== 0) process.exit(1);
const code = await spawnLocal(
  'playwright',
  [
    'test',
    'test/e2e/payment.spec.ts',
    'test/e2e/phone-pages.spec.ts',
    'test/e2e/phone-a11y.spec.ts',
    'test/e2e/console.spec.ts',
    'test/e2e/recovery.spec.ts',
  ],
  {
    env: { ...process.env, DUALPAY_SCREENSHOTS: '1' },
  },
);
const files = readdirSync(dir).sort();
console.log(`\n${files.length} screenshots in ${dir}/:\n${files.map((f) => `  ${f}`).join('\n')}`);
process.exit(code);
