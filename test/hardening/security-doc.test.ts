/**
 * SECURITY.md names the code and the tests behind each threat; this keeps those names true.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const DOC = readFileSync('SECURITY.md', 'utf8');

/** Every repository path named in backticks: `src/…`, `test/…`, `docs/…`, `demo/…`, `scripts/…`. */
function namedFiles(text: string): string[] {
  const paths = [...text.matchAll(/`((?:src|test|docs|demo|scripts|bin)\/[^`\s]+)`/g)].map(
    (match) => (match[1] ?? '').replace(/[#:].*$/, ''),
  );
  return [...new Set(paths)];
}

/** The `### ` sections of the threat list, by title. */
function threatSections(text: string): Map<string, string> {
  const threats = text.split(/^## Threats$/m)[1]?.split(/^## /m)[0] ?? '';
  const sections = new Map<string, string>();
  for (const part of threats.split(/^### /m).slice(1)) {
    const [title = '', ...body] = part.split('\n');
    sections.set(title.trim(), body.join('\n'));
  }
  return sections;
}

describe('SECURITY.md', () => {
  it('names only files that exist', () => {
    const files = namedFiles(DOC);

    const missing = files.filter((file) => !existsSync(file));

    assert.ok(files.length >= 20, `only ${files.length} files named`);
    assert.deepEqual(missing, []);
  });

  it('covers every threat of the brief, each with a mitigation, a residual risk and a test', () => {
    const sections = threatSections(DOC);
    const required = [
      'Session hijack',
      'Token spoofing',
      'Token replay',
      'QR swapping and relay',
      'SIM swap and social engineering',
      'Phishing relay and man in the middle',
      'Double spend',
      'PIN brute force',
      'User-code guessing',
      'Clickjacking',
      'Cross-site request forgery',
      'Script injection',
      'Enumeration',
      'Denial of service',
      'Software key posing as a hardware card',
      'Database theft',
      'Demo credentials',
      'Limit evasion',
      'Lost or stolen card',
      'Operator keys and the console',
    ];

    const titles = [...sections.keys()];
    const incomplete = [...sections].filter(
      ([, body]) =>
        !body.includes('**Mitigation.**') ||
        !body.includes('**Residual risk.**') ||
        !namedFiles(body.split('**Proved by.**')[1] ?? '').some(
          (file) => /\.(test|spec)\.ts$/.test(file) && existsSync(file),
        ),
    );

    assert.deepEqual(
      required.filter((threat) => !titles.some((title) => title.startsWith(threat))),
      [],
    );
    assert.deepEqual(
      incomplete.map(([title]) => title),
      [],
    );
  });

  it('lists all thirteen security-review findings, each with a test file that exists', () => {
    const table = DOC.split(/^## Security review/m)[1]?.split(/^## /m)[0] ?? '';
    const rows = table.split('\n').filter((line) => /^\| \d+ /.test(line));

    assert.deepEqual(
      rows.map((row) => Number(/^\| (\d+)/.exec(row)?.[1])),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    for (const row of rows) {
      const tests = namedFiles(row.split('|').at(-2) ?? '').filter((file) => existsSync(file));
      assert.ok(tests.length > 0, row.slice(0, 60));
    }
  });

  it('has an "Open findings" section', () => {
    assert.match(DOC, /^## Open findings$/m);
  });

  it('states the user-code guessing bound that test/hardening/brute-force.test.ts checks', () => {
    assert.match(DOC, /14,410 guesses a day/);
    assert.match(DOC, /5\.6 × 10\^-4/);
  });
});
