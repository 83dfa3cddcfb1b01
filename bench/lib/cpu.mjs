// How much CPU something other than the benchmark used during a measurement: the machine's busy
// time (/proc/stat) minus that of the given processes (/proc/<pid>/stat, threads included), in
// cores. Used to flag rounds that ran next to other work (this machine may be shared).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICK = 100; // USER_HZ on Linux

function machineBusy() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + (steal ?? 0);
}

function processBusy(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** Starts a window; `end()` returns the foreign CPU in cores (0 = quiet, 1 = a whole core). */
export function cpuWindow(pids) {
  const startWall = performance.now();
  const startMachine = machineBusy();
  const startOurs = pids.reduce((sum, pid) => sum + processBusy(pid), 0);
  return {
    end() {
      const seconds = (performance.now() - startWall) / 1000;
      const machine = machineBusy() - startMachine;
      const ours = pids.reduce((sum, pid) => sum + processBusy(pid), 0) - startOurs;
      const foreign = Math.max(0, machine - ours) / TICK / seconds;
      return { foreignCores: Number(foreign.toFixed(2)), cores: cpus().length };
    },
  };
}
