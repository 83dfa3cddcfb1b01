// Builds four things (docs/architecture.md "Parts"):
//  1. the npm modules under dist/ (ESM, one file per source module, dependencies external);
//  2. the self-registering, minified script-tag bundle dist/cdn/dualpay.js and its SRI hash;
//  3. the phone-page bundles the issuer serves (dist/phone/), once src/phone has pages;
//  4. the operator console the issuer serves at /console (dist/console/console.js).
// Type declarations come from `tsc -p tsconfig.build.json` (see the `build` script).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';

const TARGET = 'es2022';
const tsconfig = 'tsconfig.json';

const npmEntries = {
  'protocol/index': 'src/protocol/index.ts',
  'element/index': 'src/element/index.ts',
  'element/define': 'src/element/define.ts',
  'verify/index': 'src/verify/index.ts',
  'server/index': 'src/server/index.ts',
  'server/cli': 'src/server/cli.ts',
};

const phoneEntries = {
  enroll: 'src/phone/enroll-page.ts',
  confirm: 'src/phone/confirm-page.ts',
  recovery: 'src/phone/recovery-page.ts',
};

const consoleEntries = {
  console: 'src/console/console-app.ts',
};

const present = (entries) =>
  Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Bare specifiers (packages) and Node built-ins stay imports in the npm build. */
const isExternal = (id) =>
  builtins.has(id) || !(id.startsWith('.') || id.startsWith('/') || id.startsWith('\0'));

/** Writes `<file>.sri` with the sha384 integrity of each emitted chunk and prints it. */
function subresourceIntegrity() {
  return {
    name: 'subresource-integrity',
    writeBundle(options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const file = `${options.dir ?? '.'}/${chunk.fileName}`.replace(/^\.\//, '');
        const digest = createHash('sha384').update(readFileSync(file)).digest('base64');
        const integrity = `sha384-${digest}`;
        writeFileSync(`${file}.sri`, `${integrity}\n`);
        console.log(`${file} integrity="${integrity}"`);
      }
    },
  };
}

/** Swaps qrcode's mixed-mode segment optimizer for our byte-only one (src/element/qr-segments.ts). */
export function byteOnlyQrSegments() {
  return {
    name: 'byte-only-qr-segments',
    resolveId(source, importer) {
      if (
        source === './segments' &&
        importer?.replaceAll('\\', '/').endsWith('qrcode/lib/core/qrcode.js')
      ) {
        return this.resolve('./src/element/qr-segments.ts', undefined, { skipSelf: true });
      }
      return null;
    },
  };
}

const browserPlugins = () => [
  byteOnlyQrSegments(),
  nodeResolve({ browser: true, extensions: ['.ts', '.js', '.mjs'] }),
  commonjs(),
  esbuild({ target: TARGET, tsconfig, minify: false }),
  terser({ ecma: 2020, module: false, compress: { passes: 2 }, format: { comments: false } }),
];

const configs = [
  {
    input: present(npmEntries),
    external: isExternal,
    plugins: [esbuild({ target: TARGET, tsconfig })],
    output: {
      dir: 'dist',
      format: 'es',
      preserveModules: true,
      preserveModulesRoot: 'src',
      entryFileNames: '[name].js',
      sourcemap: true,
    },
  },
  {
    input: 'src/element/cdn.ts',
    plugins: [...browserPlugins(), subresourceIntegrity()],
    output: { dir: 'dist/cdn', entryFileNames: 'dualpay.js', format: 'iife', name: 'dualpay' },
  },
];

const phone = present(phoneEntries);
if (Object.keys(phone).length > 0) {
  configs.push({
    input: phone,
    plugins: browserPlugins(),
    output: {
      dir: 'dist/phone',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'shared-[hash].js',
    },
  });
}

const operatorConsole = present(consoleEntries);
if (Object.keys(operatorConsole).length > 0) {
  configs.push({
    input: operatorConsole,
    plugins: browserPlugins(),
    output: {
      dir: 'dist/console',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'shared-[hash].js',
    },
  });
}

export default configs;
