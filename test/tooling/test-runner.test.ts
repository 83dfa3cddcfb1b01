import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

interface RunResult {
  exitCode: number | null;
  lastLine: string;
}

/** Runs scripts/test.mjs on one suite and fixture, as `npm test` would. */
function runTestScript(args: string[]): Promise<RunResult> {
  // NODE_TEST_CONTEXT would make the nested `node --test` report to this runner instead of running.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/test.mjs', '--no-build', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      const lines = output.trim().split('\n');
      resolve({ exitCode, lastLine: lines.at(-1) ?? '' });
    });
  });
}

describe('npm test (scripts/test.mjs)', () => {
  it('exits non-zero and counts the failure when a Node test fails', async () => {
    const result = await runTestScript([
      '--suites',
      'node',
      '--node-files',
      'test/fixtures/failing/fails.test.ts',
    ]);

    assert.equal(result.lastLine, '1 passed, 1 failed');
    assert.equal(result.exitCode, 1);
  });

  it('exits non-zero and counts the failure when a browser test fails', async () => {
    const result = await runTestScript([
      '--suites',
      'browser',
      '--browser-files',
      'test/fixtures/failing/fails.browser.test.ts',
    ]);

    assert.equal(result.lastLine, '1 passed, 1 failed');
    assert.equal(result.exitCode, 1);
  });

  it('counts a browser test file that fails to import as a failure', async () => {
    const result = await runTestScript([
      '--suites',
      'browser',
      '--browser-files',
      'test/fixtures/failing/does-not-load.browser.test.ts',
    ]);

    assert.equal(result.lastLine, '0 passed, 1 failed');
    assert.equal(result.exitCode, 1);
  });

  it('exits non-zero and counts the failure when a Playwright test fails', async () => {
    const result = await runTestScript([
      '--suites',
      'e2e',
      '--e2e-files',
      'test/fixtures/failing/fails.spec.ts',
    ]);

    assert.equal(result.lastLine, '0 passed, 1 failed');
    assert.equal(result.exitCode, 1);
  });
});
