// node:test reporter that counts tests (not suites). A file that fails to load arrives as a
// failed test named after the file, so it counts as a failure.
import { writeSummary } from './summary-file.mjs';

export default async function* nodeSummary(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else counts.failed++;
  }
  writeSummary(counts);
  yield '';
}
