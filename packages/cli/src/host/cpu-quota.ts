import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The CPUs one cgroup's limit allows, from `quota` and `period` (undefined: no limit). */
function cpusOf(quota: number, period: number): number | undefined {
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** cgroup v2: `cpu.max` holds "<quota> <period>", or "max <period>" for no limit. */
function v2Limit(dir: string): number | undefined {
  const [quota, period] = (read(join(dir, "cpu.max")) ?? "").trim().split(/\s+/);
  if (quota === undefined || quota === "max" || period === undefined) return undefined;
  return cpusOf(Number(quota), Number(period));
}

/** cgroup v1: `cpu.cfs_quota_us` (-1 for no limit) over `cpu.cfs_period_us`. */
function v1Limit(dir: string): number | undefined {
  const quota = read(join(dir, "cpu.cfs_quota_us"));
  const period = read(join(dir, "cpu.cfs_period_us"));
  if (quota === undefined || period === undefined) return undefined;
  return cpusOf(Number(quota.trim()), Number(period.trim()));
}

/**
 * The smallest limit on the way from a cgroup's folder up to its hierarchy's mount point: a
 * limit on a parent (a container's pod, for example) bounds its children too.
 */
function smallestLimit(
  mount: string,
  path: string,
  limit: (dir: string) => number | undefined,
): number | undefined {
  let smallest: number | undefined;
  for (let dir = join(mount, path).replace(/\/+$/, ""); ; dir = dirname(dir)) {
    const here = limit(dir);
    if (here !== undefined && (smallest === undefined || here < smallest)) smallest = here;
    if (dir === mount || !dir.startsWith(mount)) return smallest;
  }
}

/**
 * The CPUs this process's cgroup lets it use (its CPU quota, as a container's CPU limit sets
 * it), from cgroup v2 or v1 under `root` (the file system root; tests give another); undefined
 * when no quota applies or none can be read.
 */
export function cgroupCpuLimit(root = "/"): number | undefined {
  const self = read(join(root, "proc/self/cgroup"));
  if (self === undefined) return undefined;
  const limits: number[] = [];
  for (const line of self.split("\n")) {
    const [id, controllers, path] = line.split(/:(.*?):/s) as [string, string?, string?];
    if (path === undefined) continue;
    const mounts =
      id === "0" && controllers === ""
        ? ["sys/fs/cgroup", "sys/fs/cgroup/unified"].map((m) => [m, v2Limit] as const)
        : controllers?.split(",").includes("cpu")
          ? ["sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpu"].map((m) => [m, v1Limit] as const)
          : [];
    for (const [mount, limit] of mounts) {
      const found = smallestLimit(join(root, mount), path, limit);
      if (found !== undefined) limits.push(found);
    }
  }
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/**
 * The processes `auto` means: one per CPU this process may run on
 * (`os.availableParallelism()`), and no more than its CPU quota allows, rounded up (a limit of
 * 1.5 CPUs gives 2), at least 1.
 */
export function autoProcessCount(root = "/", cpus = availableParallelism()): number {
  const limit = cgroupCpuLimit(root);
  const allowed = limit === undefined ? cpus : Math.min(cpus, Math.ceil(limit));
  return Math.max(1, allowed);
}
