import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { autoProcessCount, cgroupCpuLimit } from "./cpu-quota.js";

const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

/** A file system root holding the given files (path from the root: content). */
async function fakeRoot(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "guardian-cgroup-"));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe("the CPUs a container's quota allows", () => {
  it("reads cgroup v2's cpu.max inside a container's own namespace", async () => {
    const root = await fakeRoot({
      "proc/self/cgroup": "0::/\n",
      "sys/fs/cgroup/cpu.max": "150000 100000\n",
    });
    expect(cgroupCpuLimit(root)).toBe(1.5);
    expect(autoProcessCount(root, 8)).toBe(2);
    expect(autoProcessCount(root, 1)).toBe(1);
  });

  it("takes the smallest limit from the process's cgroup up to the mount, a parent's included", async () => {
    const root = await fakeRoot({
      "proc/self/cgroup": "0::/kubepods/pod1/c1\n",
      "sys/fs/cgroup/kubepods/pod1/c1/cpu.max": "max 100000\n",
      "sys/fs/cgroup/kubepods/pod1/cpu.max": "300000 100000\n",
      "sys/fs/cgroup/kubepods/cpu.max": "max 100000\n",
    });
    expect(cgroupCpuLimit(root)).toBe(3);
    expect(autoProcessCount(root, 16)).toBe(3);
  });

  it("reads cgroup v1's CFS quota, where -1 means none", async () => {
    const limited = await fakeRoot({
      "proc/self/cgroup": "4:memory:/x\n2:cpu,cpuacct:/docker/abc\n0::/\n",
      "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n",
      "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
    });
    expect(cgroupCpuLimit(limited)).toBe(0.5);
    expect(autoProcessCount(limited, 4)).toBe(1);
    const unlimited = await fakeRoot({
      "proc/self/cgroup": "1:cpu:/\n",
      "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
      "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    });
    expect(cgroupCpuLimit(unlimited)).toBeUndefined();
    expect(autoProcessCount(unlimited, 4)).toBe(4);
  });

  it("counts every CPU where no cgroup can be read", async () => {
    const root = await fakeRoot({});
    expect(cgroupCpuLimit(root)).toBeUndefined();
    expect(autoProcessCount(root, 6)).toBe(6);
  });
});
