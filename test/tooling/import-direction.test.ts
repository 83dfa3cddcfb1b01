import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

/** Lints `code` as if it were the file at `filePath` and returns the rules that fired. */
async function rulesFiredFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('import direction (eslint import-x/no-restricted-paths, docs/architecture.md)', () => {
  it('rejects an import from src/element into src/protocol', async () => {
    const rules = await rulesFiredFor(
      'src/protocol/layering-probe.ts',
      "export { DualpayCheckout } from '../element/index.js';\n",
    );

    assert.deepEqual(rules, ['import-x/no-restricted-paths']);
  });

  it('allows src/element to import src/protocol', async () => {
    const rules = await rulesFiredFor(
      'src/element/layering-probe.ts',
      "export { CheckoutError } from '../protocol/index.js';\n",
    );

    assert.deepEqual(rules, []);
  });

  it('rejects an import of src/element from src/server', async () => {
    const rules = await rulesFiredFor(
      'src/server/layering-probe.ts',
      "export { DualpayCheckout } from '../element/index.js';\n",
    );

    assert.deepEqual(rules, ['import-x/no-restricted-paths']);
  });

  it('rejects an import of src/element from src/console (shared code lives in src/flow)', async () => {
    const rules = await rulesFiredFor(
      'src/console/layering-probe.ts',
      "export { fromArray } from '../element/qr-segments.js';\n",
    );

    assert.deepEqual(rules, ['import-x/no-restricted-paths']);
  });

  it('allows src/console to import src/flow and src/protocol', async () => {
    const rules = await rulesFiredFor(
      'src/console/layering-probe.ts',
      "export { qrPath } from '../flow/qr.js';\nexport { formatAmount } from '../protocol/index.js';\n",
    );

    assert.deepEqual(rules, []);
  });

  it('rejects node: built-ins in src/console', async () => {
    const rules = await rulesFiredFor(
      'src/console/layering-probe.ts',
      "export { createHash } from 'node:crypto';\n",
    );

    assert.deepEqual(rules, ['no-restricted-imports']);
  });

  it('rejects an import of src/ from demo/, which uses the published entry points', async () => {
    const rules = await rulesFiredFor(
      'demo/layering-probe.ts',
      "export { CheckoutError } from '../src/protocol/index.js';\n",
    );

    assert.deepEqual(rules, ['import-x/no-restricted-paths']);
  });

  it('rejects node: built-ins in src/protocol', async () => {
    const rules = await rulesFiredFor(
      'src/protocol/layering-probe.ts',
      "export { createHash } from 'node:crypto';\n",
    );

    assert.deepEqual(rules, ['no-restricted-imports']);
  });
});
