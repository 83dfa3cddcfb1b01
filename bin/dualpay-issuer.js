#!/usr/bin/env node
// `dualpay-issuer --port P --db FILE [--seed-demo] [--public-url URL]`: the reference issuer.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('dualpay-issuer: dist/server/cli.js is missing; run `npm run build` first.');
  process.exit(1);
}
await import(cli.href);
