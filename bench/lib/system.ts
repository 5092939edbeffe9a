import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, release, totalmem, type } from "node:os";
import { ensureSystemPackages } from "@guardian/testkit";

/** The machine a result was measured on. */
export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memory_gb: number;
  readonly node: string;
  readonly os: string;
}

/** Describes this machine: cores, CPU model, memory, Node version, OS. */
export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

function hasH2load(): boolean {
  return spawnSync("h2load", ["--version"], { stdio: "ignore" }).status === 0;
}

function apt(args: string[]): void {
  const r = spawnSync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed:\n${r.stderr}`);
}

/**
 * Makes sure h2load (Debian package nghttp2-client), PostgreSQL and etcd are installed,
 * installing what is missing with apt-get when running as root on Debian, as the tests do.
 */
export async function ensureTools(log: (line: string) => void): Promise<void> {
  await ensureSystemPackages(log);
  if (hasH2load()) return;
  if (process.getuid?.() !== 0 || !existsSync("/etc/debian_version")) {
    throw new Error("h2load is missing: install it with sudo apt-get install -y nghttp2-client");
  }
  log("bench: installing nghttp2-client (h2load) with apt-get");
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", "nghttp2-client"]);
  if (!hasH2load()) throw new Error("h2load is still missing after installing nghttp2-client");
}
