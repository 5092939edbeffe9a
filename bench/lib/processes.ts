import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnProcess, type ManagedProcess } from "@guardian/testkit";

/** The repository root (the folder holding `./guardian`). */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Options for {@link startGuardian}. */
export interface StartGuardianOptions {
  /** Arguments of `./guardian`, such as `["dev"]` or `["serve", "store"]`. */
  readonly args: readonly string[];
  /** Environment on top of this process's own (GUARDIAN_* and PG* of the caller are dropped). */
  readonly env: Record<string, string>;
  /** Folder for the process's log file. */
  readonly logDir: string;
  readonly name: string;
}

/**
 * Starts `./guardian <args>` (the script execs Node, so the PID is the server's) with its
 * output in `<logDir>/<name>.log`. Stop it with `stop()`; it is killed if the bench exits.
 * With `BENCH_CPU_PROF=<dir>`, Node writes a CPU profile of the process to `<dir>/<name>/`
 * when it stops (see `bench/profile-summary.ts`).
 */
export function startGuardian(opts: StartGuardianOptions): ManagedProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("GUARDIAN_") && !k.startsWith("PG")),
  );
  const profileDir = process.env["BENCH_CPU_PROF"];
  // Node refuses --cpu-prof in NODE_OPTIONS: run what ./guardian execs, with the flags.
  const command =
    profileDir === undefined || profileDir === ""
      ? { command: join(repoRoot, "guardian"), args: opts.args }
      : {
          command: process.execPath,
          args: [
            "--cpu-prof",
            `--cpu-prof-dir=${join(profileDir, opts.name)}`,
            join(repoRoot, "scripts/lib/launch.mjs"),
            ...opts.args,
          ],
        };
  return spawnProcess({
    name: opts.name,
    ...command,
    cwd: repoRoot,
    logFile: join(opts.logDir, `${opts.name}.log`),
    env: { ...inherited, GUARDIAN_LOG_LEVEL: "warn", ...opts.env },
  });
}

/**
 * Polls `<url>/readyz` every `intervalMs` until it answers 200; throws with the process's
 * log tail when it exits first or `timeoutMs` passes.
 */
export async function waitReady(
  url: string,
  child: ManagedProcess,
  { timeoutMs = 90_000, intervalMs = 20 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${child.name} exited:\n${child.logTail()}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(intervalMs);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms:\n${child.logTail()}`);
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.push({ pid: Number(entry), ppid, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** PIDs of `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const all = listProcesses();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  }
  return tree;
}

/** PIDs of this process's descendants whose command name is `comm` (e.g. every etcd member). */
export function descendantsNamed(comm: string): number[] {
  const all = listProcesses();
  const names = new Map(all.map((p) => [p.pid, p.comm]));
  return processTree(process.pid).filter((pid) => pid !== process.pid && names.get(pid) === comm);
}

/** Resident set size in bytes of the given processes together (0 for one that is gone). */
export function rssBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      total += kb === undefined ? 0 : Number(kb) * 1024;
    } catch {
      // Gone.
    }
  }
  return total;
}
