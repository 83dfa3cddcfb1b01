/**
 * docs/operations.md "Metrics": every alert rule's `expr` is PromQL as Prometheus's own grammar
 * parses it, and every series the section names is one the issuer exposes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { DEMO } from '../../src/server/index.js';
import { startTestIssuer, type TestIssuer } from '../server/support/harness.js';

const docs = readFileSync('docs/operations.md', 'utf8');
const start = docs.indexOf('## Metrics\n');
const section = docs.slice(start, docs.indexOf('\n## ', start + 4));
const expressions = [...section.matchAll(/^\s+expr: (.+)$/gm)].map((match) => match[1] ?? '');

/** Error nodes of `expr`'s parse tree (none for valid PromQL). */
function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: "${expr.slice(node.from, node.to + 8)}"`);
    },
  });
  return errors;
}

describe('docs/operations.md "Metrics"', () => {
  let server: TestIssuer;
  let exposed: Set<string>;
  before(async () => {
    server = await startTestIssuer();
    const response = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${DEMO.adminKey}` },
    });
    const text = await response.text();
    exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? ''));
  });
  after(() => server.dispose());

  it('has alert rules', () => {
    assert.ok(start >= 0, 'no "## Metrics" section');
    assert.ok(expressions.length >= 5, `only ${expressions.length} expr lines`);
  });

  it('writes every alert expression in valid PromQL', () => {
    for (const expr of expressions) assert.deepEqual(syntaxErrors(expr), [], expr);
    // The check can fail: a broken expression has error nodes.
    assert.notDeepEqual(syntaxErrors('sum(rate(dualpay_http_requests_total[5m])'), []);
  });

  it('names only series the issuer exposes', () => {
    const named = new Set(
      [...section.matchAll(/\bdualpay_[a-z_]+[a-z]\b/g)]
        .map((match) => (match[0] ?? '').replace(/_(bucket|count|sum)$/, ''))
        .filter((name) => !/^dualpay_(process|nodejs)$/.test(name)),
    );
    assert.ok(named.size >= 8);
    for (const name of named) assert.ok(exposed.has(name), `${name} is not exposed`);
  });
});
