// Spawns bench/issuer-process.mjs in its own Node process and talks to it over IPC.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT } from './common.mjs';

/**
 * `ulimit -n` needs a shell: runs `command args` with the open-file limit raised to `limit`
 * (`'hard'`: as high as the hard limit allows). Each SSE stream is a socket, so a file.
 */
export function withUlimit(limit, command, args) {
  if (!limit) return [command, args];
  const value = limit === 'hard' ? '$(ulimit -Hn)' : String(limit);
  return ['bash', ['-c', `ulimit -n ${value} && exec "$0" "$@"`, command, ...args]];
}

/**
 * @param {object} options  BENCH_ISSUER options (db, shopOrigins, sweepIntervalMs, …)
 * @param {{cpuProfDir?: string, nodeArgs?: string[], ulimit?: number}} run
 */
export async function spawnIssuer(options, run = {}) {
  const nodeArgs = [
    ...(run.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', run.cpuProfDir] : []),
    ...(run.nodeArgs ?? []),
    ...(process.env.BENCH_ISSUER_FROM === 'src' ? ['--import', 'tsx'] : []),
    join(BENCH_DIR, 'issuer-process.mjs'),
  ];
  const [command, args] = withUlimit(run.ulimit, process.execPath, nodeArgs);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, BENCH_ISSUER: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`issuer did not start:\n${output}`)), 60_000);
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      output += chunk;
      for (const line of buffer.split('\n')) {
        if (line.startsWith('{') && line.includes('"ready"')) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`issuer exited with ${code}:\n${output}`));
    });
  });
  let nextId = 0;
  /** Sends `message` with a fresh id and resolves with the reply of type `replyType`. */
  const ask = (message, replyType) => {
    const id = ++nextId;
    return new Promise((resolve) => {
      const onMessage = (reply) => {
        if (reply?.type === replyType && reply.id === id) {
          child.off('message', onMessage);
          resolve(reply);
        }
      };
      child.on('message', onMessage);
      child.send({ ...message, id });
    });
  };
  return {
    url: ready.url,
    port: ready.port,
    pid: ready.pid,
    child,
    output: () => output,
    /** process.memoryUsage() of the issuer, plus its open SSE stream count. */
    memory() {
      return ask({ type: 'memory' }, 'memory');
    },
    /** process.cpuUsage() of the issuer: µs of user and system CPU so far. */
    async cpu() {
      return (await ask({ type: 'cpu' }, 'cpu')).usage;
    },
    /** Starts the V8 CPU profiler in the issuer (what `node --cpu-prof` uses). */
    profileStart() {
      return ask({ type: 'profile-start' }, 'profile-started');
    },
    /** Stops it and writes the `.cpuprofile` to `file`. */
    profileStop(file) {
      return ask({ type: 'profile-stop', file }, 'profile-stopped');
    },
    /** VmRSS / VmHWM / open-file limit from /proc. */
    proc() {
      const status = readFileSync(`/proc/${ready.pid}/status`, 'utf8');
      const kbOf = (key) =>
        Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      const limits = readFileSync(`/proc/${ready.pid}/limits`, 'utf8');
      const openFiles = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
      return {
        rss: kbOf('VmRSS'),
        hwm: kbOf('VmHWM'),
        openFilesSoft: openFiles ? Number(openFiles[1]) : null,
        openFilesHard: openFiles ? Number(openFiles[2]) : null,
      };
    },
    async stop() {
      if (child.exitCode !== null) return exited;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
