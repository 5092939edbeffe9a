import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** Named groups of processes whose CPU time a load run accounts for, such as `store`. */
export type ProcessGroups = Record<string, readonly number[]>;

/** CPU time of each group during one run, as cores busy (CPU seconds per second). */
export interface CpuUse {
  readonly cores: Record<string, number>;
}

/** The kernel's clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** User plus system CPU seconds of one process so far (all its threads); 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
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
  const before = new Map<number, number>();
  for (const pids of Object.values(groups()))
    for (const pid of pids) before.set(pid, cpuSeconds(pid));
  const startedAt = performance.now();
  const result = await load();
  const seconds = (performance.now() - startedAt) / 1000;
  const cores: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups())) {
    let used = 0;
    for (const pid of new Set(pids)) used += cpuSeconds(pid) - (before.get(pid) ?? 0);
    cores[name] = used / seconds;
  }
  return { result, cpu: { cores } };
}

/**
 * Describes CPU use per request: each group's CPU milliseconds per request at `rps`, and the
 * cores they kept busy in all, such as "store 2.41, API processes 3.92 ms (1.81 of 2 cores
 * busy)".
 */
export function describeCpu(cpu: CpuUse, rps: number): string {
  const entries = Object.entries(cpu.cores);
  const perRequest = entries
    .map(([name, cores]) => `${name} ${rps > 0 ? ((cores / rps) * 1000).toFixed(2) : "–"}`)
    .join(", ");
  const busy = entries.reduce((sum, [, cores]) => sum + cores, 0);
  return `${perRequest} ms (${busy.toFixed(2)} of ${cpus().length} cores busy)`;
}
