// @web/test-runner reporter that counts tests across sessions. A test file that fails to load or
// throws outside a test produces session errors and no results: it counts as one failure.
import { writeSummary } from './summary-file.mjs';

function countSuite(suite, counts) {
  for (const test of suite.tests ?? []) {
    if (test.skipped) counts.skipped++;
    else if (test.passed) counts.passed++;
    else counts.failed++;
  }
  for (const child of suite.suites ?? []) countSuite(child, counts);
}

export function summaryReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        const before = counts.failed;
        if (session.testResults) countSuite(session.testResults, counts);
        const sessionBroken = (session.errors?.length ?? 0) > 0 || !session.passed;
        if (sessionBroken && counts.failed === before) counts.failed++;
      }
      writeSummary(counts);
    },
  };
}
