/**
 * The README's element reference and the generated Custom Elements Manifest list the same
 * attributes, events, CSS parts and CSS custom properties (run `npm run build` first).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

interface Declaration {
  tagName?: string;
  attributes?: { name: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
  slots?: { name: string }[];
}

const readme = readFileSync('README.md', 'utf8');
const manifest = JSON.parse(readFileSync('dist/custom-elements.json', 'utf8')) as {
  modules: { declarations?: Declaration[] }[];
};
const element = manifest.modules
  .flatMap((module) => module.declarations ?? [])
  .find((declaration) => declaration.tagName === 'dualpay-checkout');

/** First-column names of the table under `### heading` in the README. */
function tableNames(heading: string): string[] {
  const start = readme.indexOf(`### ${heading}\n`);
  assert.ok(start >= 0, `README has no "### ${heading}"`);
  const section = readme.slice(start, readme.indexOf('\n### ', start + 4));
  return [...section.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((match) => match[1] ?? '').sort();
}

const names = (items: { name: string }[] | undefined) =>
  (items ?? []).map((item) => item.name).sort();

describe('README element reference and the Custom Elements Manifest', () => {
  it('the manifest describes <dualpay-checkout>', () => {
    assert.ok(element, 'no dualpay-checkout declaration in dist/custom-elements.json');
  });

  for (const [heading, key] of [
    ['Attributes', 'attributes'],
    ['Events', 'events'],
    ['CSS parts', 'cssParts'],
    ['CSS custom properties', 'cssProperties'],
  ] as const) {
    it(`list the same ${heading.toLowerCase()}`, () => {
      assert.deepEqual(tableNames(heading), names(element?.[key]));
    });
  }

  it('name the same slot', () => {
    assert.deepEqual(names(element?.slots), ['fallback']);
    assert.match(readme, /### Slot\n\n`fallback`/);
  });
});
