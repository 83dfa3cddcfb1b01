// web-test-runner plugins for dualpay's browser tests.
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** esbuild: qrcode's core gets our byte-only segments module, as in the rollup bundle. */
const byteOnlyQrSegments = {
  name: 'byte-only-qr-segments',
  setup(build) {
    build.onResolve({ filter: /^\.\/segments$/ }, (args) =>
      args.importer.replaceAll('\\', '/').endsWith('qrcode/lib/core/qrcode.js')
        ? { path: `${root}src/element/qr-segments.ts` }
        : undefined,
    );
  },
};

/**
 * Serves CommonJS packages (qrcode's core, jsQR, standardwebhooks) as one esbuild-prebundled ES
 * module each: @rollup/plugin-commonjs does not work inside the test runner. An entry
 * `{ specifier, names }` also exports those names (esbuild's default export of a package marked
 * `__esModule` is its `default`, which such a package may not have).
 */
export function prebundledCommonJs(entries) {
  const named = new Map(
    entries.map((entry) =>
      typeof entry === 'string' ? [entry, []] : [entry.specifier, entry.names],
    ),
  );
  const specifiers = [...named.keys()];
  const cache = new Map();
  const prefix = '/__prebundled/';
  return {
    name: 'prebundled-commonjs',
    resolveImport({ source }) {
      return specifiers.includes(source) ? `${prefix}${encodeURIComponent(source)}.js` : undefined;
    },
    async serve(context) {
      if (!context.path.startsWith(prefix)) return undefined;
      const specifier = decodeURIComponent(context.path.slice(prefix.length, -3));
      if (!specifiers.includes(specifier)) return undefined;
      if (!cache.has(specifier)) {
        const result = await esbuild.build({
          stdin: {
            contents: [
              `import m from '${specifier}';`,
              `import * as all from '${specifier}';`,
              'export default m;',
              ...named.get(specifier).map((name) => `export const ${name} = all.${name};`),
            ].join('\n'),
            resolveDir: root,
          },
          bundle: true,
          format: 'esm',
          write: false,
          platform: 'browser',
          plugins: [byteOnlyQrSegments],
        });
        cache.set(specifier, result.outputFiles[0].text);
      }
      return { body: cache.get(specifier), type: 'js' };
    },
  };
}

/**
 * A real issuer for the tests (test/support/browser-issuer.ts), started on first use: test pages
 * drive it with `executeServerCommand('issuer:<name>', payload)`, and the element's `session-url`
 * `/api/checkout` creates sessions on it as a merchant backend would.
 */
export function issuerPlugin({ shopOrigins }) {
  let started;
  const issuer = () => {
    started ??= import('tsx/esm/api').then(async ({ tsImport }) => {
      const module = await tsImport(
        new URL('./browser-issuer.ts', import.meta.url).href,
        import.meta.url,
      );
      return module.startBrowserIssuer(shopOrigins);
    });
    return started;
  };
  return {
    name: 'dualpay-issuer',
    async executeCommand({ command, payload }) {
      if (!command.startsWith('issuer:')) return undefined;
      // The runner treats null/undefined as 'not my command'.
      const result = await (await issuer()).command(command.slice('issuer:'.length), payload ?? {});
      return result ?? true;
    },
    async serverStop() {
      if (started) await (await started).close();
    },
    middleware: async (context, next) => {
      if (context.path !== '/api/checkout' || context.method !== 'POST') return next();
      const delayMs = Number(context.query.delay ?? 0);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (context.query.fail) {
        context.status = 500;
        context.body = { error: 'shop is down' };
        return undefined;
      }
      const overrides = context.query.amount
        ? {
            amount: Number(context.query.amount),
            currency: String(context.query.currency ?? 'KRW'),
          }
        : {};
      context.body = await (await issuer()).createSessionForPage(overrides);
      context.type = 'application/json';
      return undefined;
    },
  };
}
