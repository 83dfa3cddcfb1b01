// @playwright/test reporter that counts final outcomes. Errors outside tests (a spec that fails to
// import, a failing global setup) count as failures.
import { writeSummary } from './summary-file.mjs';

export default class PlaywrightSummary {
  suite = undefined;
  globalErrors = 0;

  onBegin(_config, suite) {
    this.suite = suite;
  }

  onError() {
    this.globalErrors++;
  }

  onEnd(result) {
    const counts = { passed: 0, failed: this.globalErrors, skipped: 0 };
    for (const test of this.suite?.allTests() ?? []) {
      const outcome = test.outcome();
      if (outcome === 'skipped') counts.skipped++;
      else if (outcome === 'unexpected') counts.failed++;
      else counts.passed++;
    }
    if (result.status !== 'passed' && counts.failed === 0) counts.failed++;
    writeSummary(counts);
  }

  printsToStdio() {
    return false;
  }
}
