// ESLint flat config. Besides style, it enforces the import direction (docs/architecture.md):
//   element → flow → protocol, phone → flow/protocol, console → flow/protocol,
//   verify → protocol, server → protocol;
//   protocol imports nothing of ours; the browser layers and protocol import no `node:*`;
//   demo uses only the published entry points (`dualpay`, `dualpay/…`).
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const LAYERS = ['protocol', 'flow', 'element', 'phone', 'console', 'verify', 'server'];
/** What each layer under src/ may import from src/, besides itself. */
const ALLOWED = {
  protocol: [],
  flow: ['protocol'],
  element: ['flow', 'protocol'],
  phone: ['flow', 'protocol'],
  console: ['flow', 'protocol'],
  verify: ['protocol'],
  server: ['protocol'],
};

const layerZones = LAYERS.map((layer) => ({
  target: `./src/${layer}`,
  from: './src',
  except: [`./${layer}`, ...ALLOWED[layer].map((allowed) => `./${allowed}`)],
  message: `src/${layer} may import only ${['itself', ...ALLOWED[layer].map((a) => `src/${a}`)].join(', ')} (docs/architecture.md).`,
}));

const NODE_BUILTINS = {
  patterns: [
    { group: ['node:*'], message: 'Browser layers and protocol must not use Node built-ins.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.test-results/',
      'test-results/',
      'playwright-report/',
      'bench/results/',
      'test/fixtures/',
      // The framework examples' Vite builds (examples/*/dist), not source.
      'examples/*/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...layerZones,
            {
              target: './demo',
              from: './src',
              message: 'demo/ uses only the published entry points (dualpay, dualpay/…).',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/protocol/**', 'src/flow/**', 'src/element/**', 'src/phone/**', 'src/console/**'],
    rules: { 'no-restricted-imports': ['error', NODE_BUILTINS] },
  },
  {
    files: ['src/element/**', 'src/phone/**', 'src/console/**'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/element/**', 'src/phone/**', 'src/console/**'],
    ...wc.configs['flat/recommended'],
  },
  {
    // No TypeScript-only runtime syntax (docs/architecture.md "Conventions"): no enum, namespace
    // or parameter properties.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use an `as const` object and a union instead of enum.',
        },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces.' },
        { selector: 'TSParameterProperty', message: 'No parameter properties.' },
      ],
    },
  },
  {
    // A promise nobody awaits loses its errors and its ordering (a rate limit that never
    // throws, a write that lands after the answer): type-aware, for the source only.
    files: ['src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        // The layering probes of test/tooling/import-direction.test.ts are linted as text.
        projectService: { allowDefaultProject: ['src/*/layering-probe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Size limits that keep an area's rooms small (docs/architecture.md "Conventions").
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 500 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // chai's property assertions (`expect(x).to.exist`) are expressions.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
