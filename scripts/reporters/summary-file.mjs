// Each test runner's reporter writes its counts here; scripts/test.mjs adds them up.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `{passed, failed, skipped}` to $DUALPAY_SUMMARY_FILE when it is set. */
export function writeSummary(counts) {
  const file = process.env.DUALPAY_SUMMARY_FILE;
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(counts));
}
