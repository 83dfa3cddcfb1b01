/**
 * The issuer as shipped (`dualpay/server`, dist/server/), for bench code that needs its parts in
 * this process (the pre-fill, the store benchmark): the same build the issuer process runs, typed
 * by the sources. BENCH_ISSUER_FROM=src loads the sources instead (under tsx).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ServerModule from '../../src/server/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const entry =
  process.env.BENCH_ISSUER_FROM === 'src'
    ? pathToFileURL(join(ROOT, 'src/server/index.ts')).href
    : pathToFileURL(join(ROOT, 'dist/server/index.js')).href;

export const server = (await import(entry)) as typeof ServerModule;
