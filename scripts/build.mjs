// `npm run build`: rollup (modules, CDN bundle + SRI, phone pages), type declarations, and the
// Custom Elements Manifest.
import { rmSync } from 'node:fs';
import { run } from './run.mjs';

rmSync('dist', { recursive: true, force: true });
await run('rollup', ['-c', '--silent']);
await run('tsc', ['-p', 'tsconfig.build.json']);
await run('cem', ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet']);
