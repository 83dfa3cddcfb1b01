/**
 * The README's framework snippets are the code of the examples that CI builds and tests against
 * the packed package (examples/run.mjs), character for character: what the README shows works.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const readme = readFileSync('README.md', 'utf8');
const frameworks = readme.slice(
  readme.indexOf('\n## Frameworks\n'),
  readme.indexOf('\n## ', readme.indexOf('\n## Frameworks\n') + 1),
);

/** The fenced code blocks of the README's Frameworks section, with their language. */
const blocks = [...frameworks.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, lang, code]) => ({
  lang,
  code,
}));

describe('README "Frameworks" and examples/', () => {
  for (const [lang, file] of [
    ['tsx', 'examples/react/src/Checkout.tsx'],
    ['ts', 'examples/vue/vite.config.ts'],
    ['vue', 'examples/vue/src/Checkout.vue'],
  ] as const) {
    it(`shows ${file} as it is`, () => {
      const shown = blocks.filter((block) => block.lang === lang).map((block) => block.code);

      assert.ok(frameworks.includes(`(${file})`), `the section links ${file}`);
      assert.deepEqual(shown, [readFileSync(file, 'utf8')]);
    });
  }
});
