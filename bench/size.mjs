// Figure 1 — sizes (budget: dist/cdn/dualpay.js ≤ 24 KB gzip -9, BENCHMARKS.md).
//  - dist/cdn/dualpay.js as built: raw, gzip -9, brotli 11;
//  - the npm entry (`dualpay` + `dualpay/define`, i.e. dist/element/index.js + define.js) bundled
//    with its dependencies by rollup with the same plugins as rollup.config.mjs, minified;
//  - the phone pages dist/phone/{confirm,enroll}.js and their shared chunk;
//  - the CDN bundle broken down by dependency (see BENCHMARKS.md for the method).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import { minify } from 'terser';
import { ROOT, kb, pass, sizes, table, writeResult } from './lib/common.mjs';

process.chdir(ROOT);
const BUDGET_GZIP = 24 * 1024;
const { default: configs, byteOnlyQrSegments } = await import(join(ROOT, 'rollup.config.mjs'));
const cdnConfig = configs.find((c) => c.output?.entryFileNames === 'dualpay.js');
if (!cdnConfig) throw new Error('rollup.config.mjs has no dist/cdn/dualpay.js build');
const named = (name) => cdnConfig.plugins.find((p) => p?.name === name);
/** The CDN build's browser plugins (same instances rollup.config.mjs uses), minus SRI and terser. */
const browserPluginsNoMin = cdnConfig.plugins.filter(
  (p) => p && !['subresource-integrity', 'terser'].includes(p.name),
);
if (!named('terser') || !named('byte-only-qr-segments')) {
  throw new Error('expected terser and byte-only-qr-segments in the CDN build plugins');
}

// ── 1. the built CDN bundle ──
const cdnFile = join(ROOT, 'dist/cdn/dualpay.js');
const cdn = { file: 'dist/cdn/dualpay.js', ...sizes(readFileSync(cdnFile)) };

// ── 2. the npm entry bundled by a consumer's rollup ──
function virtualEntry(code) {
  return {
    name: 'bench-entry',
    resolveId: (id) => (id === '\0bench-entry' ? id : null),
    load: (id) => (id === '\0bench-entry' ? code : null),
  };
}
const npmEntryCode = `export * from ${JSON.stringify(join(ROOT, 'dist/element/index.js'))};
import ${JSON.stringify(join(ROOT, 'dist/element/define.js'))};`;
const minifier = () =>
  terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } });

async function bundleNpm(withByteOnly) {
  // rollup.config.mjs's browser plugins, with its exported byteOnlyQrSegments() (or without it:
  // what a consumer's bundler that does not add it gets).
  const rest = browserPluginsNoMin.filter((p) => p.name !== 'byte-only-qr-segments');
  const plugins = withByteOnly ? [byteOnlyQrSegments(), ...rest] : rest;
  const bundle = await rollup({
    input: '\0bench-entry',
    plugins: [virtualEntry(npmEntryCode), ...plugins, minifier()],
    onwarn: () => undefined,
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  const code = output
    .filter((o) => o.type === 'chunk')
    .map((o) => o.code)
    .join('\n');
  return sizes(code);
}
const npm = {
  entry: "import 'dualpay/define'; export * from 'dualpay' (dist/element/index.js + define.js)",
  withByteOnlyQrSegments: await bundleNpm(true),
  withoutByteOnlyQrSegments: await bundleNpm(false),
};

// ── 3. phone pages ──
const phoneDir = join(ROOT, 'dist/phone');
const phoneFiles = Object.fromEntries(
  readdirSync(phoneDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => [f, sizes(readFileSync(join(phoneDir, f)))]),
);
const shared = Object.keys(phoneFiles).filter((f) => f.startsWith('shared-'));
const sum = (files) => sizes(Buffer.concat(files.map((f) => readFileSync(join(phoneDir, f)))));
const addUp = (files) =>
  files.reduce(
    (acc, f) => ({
      raw: acc.raw + phoneFiles[f].raw,
      gzip: acc.gzip + phoneFiles[f].gzip,
      brotli: acc.brotli + phoneFiles[f].brotli,
    }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
const phone = {
  files: phoneFiles,
  // What a phone downloads for each page: the page plus the shared chunk(s), compressed one by one.
  pages: {
    confirm: addUp(['confirm.js', ...shared]),
    enroll: addUp(['enroll.js', ...shared]),
  },
  concatenatedForReference: { confirm: sum(['confirm.js', ...shared]) },
};

// ── 4. CDN breakdown by dependency ──
function groupOf(id) {
  const path = relative(ROOT, id.replace(/^\0/, '')).replaceAll('\\', '/');
  if (id.startsWith('\0')) return 'rollup/commonjs glue';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg) {
    if (['lit', 'lit-html', 'lit-element', '@lit/reactive-element'].includes(pkg)) return 'lit';
    return pkg;
  }
  if (path === 'src/element/qr-segments.ts') return 'qrcode (src/element/qr-segments.ts stand-in)';
  const folder = /^src\/([^/]+)\//.exec(path)?.[1];
  return folder ? `dualpay src/${folder}` : path;
}
const breakdownBundle = await rollup({
  input: cdnConfig.input,
  plugins: browserPluginsNoMin,
  onwarn: () => undefined,
});
const { output: cdnOut } = await breakdownBundle.generate({ format: 'iife', name: 'dualpay' });
await breakdownBundle.close();
const groups = new Map();
for (const chunk of cdnOut.filter((o) => o.type === 'chunk')) {
  for (const [id, info] of Object.entries(chunk.modules)) {
    if (!info.code || info.renderedLength === 0) continue;
    const group = groupOf(id);
    const entry = groups.get(group) ?? { modules: 0, renderedBytes: 0, code: [] };
    entry.modules++;
    entry.renderedBytes += info.renderedLength;
    entry.code.push(info.code);
    groups.set(group, entry);
  }
}
const breakdown = [];
for (const [group, entry] of groups) {
  // Top-level names mangled as in the real bundle (where they are IIFE locals); top-level
  // declarations kept (compress.toplevel off), since other groups use them.
  const result = await minify(entry.code.join('\n'), {
    ecma: 2020,
    module: false,
    compress: { passes: 2, toplevel: false },
    mangle: { toplevel: true },
    format: { comments: false },
  });
  const min = sizes(result.code ?? '');
  breakdown.push({
    group,
    modules: entry.modules,
    renderedBytes: entry.renderedBytes,
    minified: min.raw,
    minifiedGzipAlone: min.gzip,
  });
}
const totalMin = breakdown.reduce((a, g) => a + g.minified, 0);
for (const g of breakdown) {
  g.share = Number((g.minified / totalMin).toFixed(4));
  g.gzipShareOfRealBundle = Math.round(g.share * cdn.gzip);
}
breakdown.sort((a, b) => b.minified - a.minified);

const result = {
  budget: { cdnGzipMax: BUDGET_GZIP },
  pass: cdn.gzip <= BUDGET_GZIP,
  cdn,
  npm,
  phone,
  cdnBreakdown: {
    method:
      'rollup build of src/element/cdn.ts with the CDN plugins minus terser; each module\'s rendered code summed per group; each group minified alone with terser (compress passes 2, top-level names mangled, top-level declarations kept); "share" = group minified bytes / sum of groups; gzipShareOfRealBundle = share × real gzip size of dist/cdn/dualpay.js; minifiedGzipAlone = gzip -9 of the group\'s minified code compressed on its own (sums to more than the bundle: no shared dictionary).',
    sumOfGroupsMinified: totalMin,
    groups: breakdown,
  },
};
writeResult('size', result);

console.log('\n== 1. Size ==');
console.log(
  table([
    ['file', 'raw', 'gzip -9', 'brotli 11', 'budget'],
    [
      'dist/cdn/dualpay.js',
      kb(cdn.raw),
      kb(cdn.gzip),
      kb(cdn.brotli),
      `≤ 24 KB gz ${pass(result.pass)}`,
    ],
    [
      'npm entry, bundled+min',
      kb(npm.withByteOnlyQrSegments.raw),
      kb(npm.withByteOnlyQrSegments.gzip),
      kb(npm.withByteOnlyQrSegments.brotli),
      '',
    ],
    [
      '  … without qr plugin',
      kb(npm.withoutByteOnlyQrSegments.raw),
      kb(npm.withoutByteOnlyQrSegments.gzip),
      kb(npm.withoutByteOnlyQrSegments.brotli),
      '',
    ],
    ...Object.entries(phoneFiles).map(([f, s]) => [
      `dist/phone/${f}`,
      kb(s.raw),
      kb(s.gzip),
      kb(s.brotli),
      '',
    ]),
    [
      'confirm page (+shared)',
      kb(phone.pages.confirm.raw),
      kb(phone.pages.confirm.gzip),
      kb(phone.pages.confirm.brotli),
      '',
    ],
    [
      'enroll page (+shared)',
      kb(phone.pages.enroll.raw),
      kb(phone.pages.enroll.gzip),
      kb(phone.pages.enroll.brotli),
      '',
    ],
  ]),
);
console.log('\nCDN bundle by dependency (share of minified code → share of the real gzip size):');
console.log(
  table([
    ['group', 'modules', 'minified', 'share', '≈ gzip in bundle', 'gzip alone'],
    ...breakdown.map((g) => [
      g.group,
      g.modules,
      kb(g.minified),
      `${(g.share * 100).toFixed(1)} %`,
      kb(g.gzipShareOfRealBundle),
      kb(g.minifiedGzipAlone),
    ]),
  ]),
);
