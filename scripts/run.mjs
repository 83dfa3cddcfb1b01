// Runs a local binary (node_modules/.bin) with inherited stdio; rejects on a non-zero exit.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const bin = (name) => resolve('node_modules/.bin', name);

/** Spawns `command` with inherited stdio and resolves with its exit code. */
export function spawnCommand(command, args, options = {}) {
  return new Promise((resolveExit, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

/** Spawns `name` from node_modules/.bin (or Node itself for `node`) and resolves with its exit code. */
export function spawnLocal(name, args, options = {}) {
  return spawnCommand(name === 'node' ? process.execPath : bin(name), args, options);
}

/** Like `spawnLocal`, but throws (and so exits the script non-zero) when the command fails. */
export async function run(name, args, options) {
  const code = await spawnLocal(name, args, options);
  if (code !== 0) {
    console.error(`${name} ${args.join(' ')} exited with ${code}`);
    process.exit(code);
  }
}
