// CPU time the local runtime (workerd) spends, read from Linux's /proc: requests/s on a 2-core
// machine mixes the runtime's cost with the load generator's, so the scale part also reports the
// runtime's own CPU per request. Elsewhere (no /proc) every reading is null and nothing is reported.
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks a second in /proc/<pid>/stat's utime and stime (100 on Linux). */
const USER_HZ = 100;

function workerdPids(): Set<number> {
  const pids = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (/(^|\/)workerd$/.test(argv0)) pids.add(Number(entry));
    } catch {
      // The process ended while we looked: not ours to count.
    }
  }
  return pids;
}

function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the parenthesised command name: state is the 3rd field, utime the 14th.
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return null;
  }
}

/** The workerd processes of one stack: those started after a snapshot (workerdSnapshot). */
export interface RuntimeCpu {
  /** CPU seconds (user + system) those processes have used so far, or null without /proc. */
  seconds(): number | null;
}

/** The workerd processes running now; take it just before starting a stack. */
export function workerdSnapshot(): Set<number> {
  return workerdPids();
}

/** Follows the workerd processes started since `before` (call it once the stack is up). */
export function runtimeCpuSince(before: Set<number>): RuntimeCpu {
  const pids = [...workerdPids()].filter((pid) => !before.has(pid));
  return {
    seconds() {
      if (pids.length === 0) return null;
      let total = 0;
      for (const pid of pids) {
        const s = cpuSecondsOf(pid);
        if (s === null) return null;
        total += s;
      }
      return total;
    },
  };
}
