// `npm run build`: rollup (modules, CDN bundle + SRI, phone pages), then type declarations.
import { rmSync } from 'node:fs';
import { run } from './run.mjs';

rmSync('dist', { recursive: true, force: true });
await run('rollup', ['-c', '--silent']);
await run('tsc', ['-p', 'tsconfig.build.json']);
