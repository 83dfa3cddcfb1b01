#!/usr/bin/env node
// `dualpay-issuer --port P --db FILE [--seed-demo] [--public-url URL]`: the reference issuer.
//
// The issuer's server packages are optional peer dependencies of dualpay (docs/decisions/0006):
// `npm install dualpay` does not bring them. When one is missing, say which packages to install
// and exit 1, instead of Node's ERR_MODULE_NOT_FOUND stack trace.
import { existsSync } from 'node:fs';

/** Needed by every issuer. */
const SERVER_PEERS = [
  'fastify',
  'better-sqlite3',
  '@simplewebauthn/server',
  'prom-client',
  'web-push',
];
/** Needed only with `--database-url` or `DATABASE_URL` (PostgreSQL). */
const POSTGRES_PEER = 'pg';

/** The package part of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Whether `name` resolves from here. This file sits in the installed package next to dist/, so
 * Node searches the same node_modules folders as dist/server/cli.js's own imports.
 */
function installed(name) {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The package an ERR_MODULE_NOT_FOUND / MODULE_NOT_FOUND error names, unless it is a file. */
function missingPackageOf(error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'MODULE_NOT_FOUND') return;
  const specifier = /Cannot find (?:package|module) '([^']+)'/.exec(String(error.message))?.[1];
  // A missing file of our own (a damaged install) is not fixed by installing a package.
  if (specifier === undefined || /^(?:[./]|file:|[A-Za-z]:[\\/])/.test(specifier)) return;
  return packageName(specifier);
}

function exitMissing(names) {
  const needs = names.includes(POSTGRES_PEER) ? ` (${POSTGRES_PEER} for PostgreSQL)` : '';
  process.stderr.write(
    `dualpay-issuer: not installed: ${names.join(', ')}${needs}.\n` +
      `The issuer's server packages are optional peer dependencies of dualpay; install them:\n\n` +
      `  npm install ${names.join(' ')}\n`,
  );
  process.exit(1);
}

const cli = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('dualpay-issuer: dist/server/cli.js is missing; run `npm run build` first.');
  process.exit(1);
}

const args = process.argv.slice(2);
const given = (flag) => args.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
// As the CLI decides: an explicit --db wins over DATABASE_URL in the environment.
const wantsPostgres =
  given('--database-url') || (Boolean(process.env.DATABASE_URL) && !given('--db'));
const missing = [...SERVER_PEERS, ...(wantsPostgres ? [POSTGRES_PEER] : [])].filter(
  (name) => !installed(name),
);
if (missing.length > 0) exitMissing(missing);

try {
  await import(cli.href);
} catch (error) {
  // Anything the check above did not foresee (a dependency of a peer, a module loaded later).
  const name = missingPackageOf(error);
  if (name === undefined) throw error;
  exitMissing([name]);
}
