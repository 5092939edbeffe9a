import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** Named groups of processes whose CPU time a load run accounts for, such as `store`. */
export type ProcessGroups = Record<string, readonly number[]>;

/** CPU time of each group during one run, as cores busy (CPU seconds per second). */
export interface CpuUse {
  readonly cores: Record<string, number>;
  /** The part of `cores` spent in the kernel (system time: sockets, page faults, wake-ups). */
  readonly kernel: Record<string, number>;
}

/** The kernel's clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

interface Times {
  readonly user: number;
  readonly system: number;
}

/** User and system CPU seconds of one process so far (all its threads); 0 when it is gone. */
function cpuSeconds(pid: number): Times {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      user: Number(fields[11]) / ticksPerSecond,
      system: Number(fields[12]) / ticksPerSecond,
    };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Runs `load` and measures the CPU time each group of processes spent meanwhile. `groups` is
 * asked again at the end, so processes that started during the load count from zero; a
 * process that ended during it is not counted.
 */
export async function measureCpu<T>(
  groups: () => ProcessGroups,
  load: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse }> {
  const before = new Map<number, Times>();
  for (const pids of Object.values(groups()))
    for (const pid of pids) before.set(pid, cpuSeconds(pid));
  const startedAt = performance.now();
  const result = await load();
  const seconds = (performance.now() - startedAt) / 1000;
  const cores: Record<string, number> = {};
  const kernel: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups())) {
    let user = 0;
    let system = 0;
    for (const pid of new Set(pids)) {
      const now = cpuSeconds(pid);
      const then = before.get(pid);
      user += now.user - (then?.user ?? 0);
      system += now.system - (then?.system ?? 0);
    }
    cores[name] = (user + system) / seconds;
    kernel[name] = system / seconds;
  }
  return { result, cpu: { cores, kernel } };
}

/**
 * Describes CPU use per request: each group's CPU milliseconds per request at `rps` with the
 * kernel's share of it, and the cores they kept busy in all, such as "store 2.41 ms (12 %
 * in the kernel), API processes 3.92 ms (20 % in the kernel) with 1.81 of 2 cores busy".
 */
export function describeCpu(cpu: CpuUse, rps: number): string {
  const entries = Object.entries(cpu.cores);
  const perRequest = entries
    .map(([name, cores]) => {
      if (rps <= 0) return `${name} –`;
      const ms = (cores / rps) * 1000;
      const kernel = cores > 0 ? Math.round(((cpu.kernel[name] ?? 0) / cores) * 100) : 0;
      return `${name} ${ms.toFixed(ms < 0.1 ? 3 : 2)} ms (${kernel} % in the kernel)`;
    })
    .join(", ");
  const busy = entries.reduce((sum, [, cores]) => sum + cores, 0);
  return `${perRequest} with ${busy.toFixed(2)} of ${cpus().length} cores busy`;
}
