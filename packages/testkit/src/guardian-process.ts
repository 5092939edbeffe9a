import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const loader = join(root, "node_modules/tsx/dist/loader.mjs");
const main = join(root, "packages/cli/src/main.ts");

/** A running `guardian` process (`dev` or `serve`). */
export interface RunningGuardian {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `guardian dev` as a real process and waits for the URL it prints. */
export async function startDev(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RunningGuardian> {
  return startGuardian(["dev"], { GUARDIAN_DATA_DIR: dataDir, GUARDIAN_LOG_LEVEL: "warn", ...env });
}

/**
 * Starts `guardian <args>` as a real process on a free port and waits until it says where it
 * listens (the dev banner, or the `url` of the JSON "listening" log line of `serve`).
 */
export async function startGuardian(
  args: string[],
  env: Record<string, string>,
): Promise<RunningGuardian> {
  const child = spawn(process.execPath, ["--import", `file://${loader}`, main, ...args], {
    env: { ...process.env, GUARDIAN_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a process behind that the caller has no handle on.
      child.kill("SIGKILL");
      reject(new Error(`no URL printed:\n${out}`));
    }, 90_000);
    child.stdout!.on("data", () => {
      const m = /(?:listening on |"url":")(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`guardian ${args.join(" ")} exited with ${code}:\n${out}`)),
    );
  });
  return { child, url, output: () => out };
}

/** A `guardian` command that runs to completion (`migrate`, `admin create`), started by {@link spawnGuardian}. */
export interface GuardianCommand {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output: () => string;
  /** Resolves when it exits: its exit code and everything it wrote. */
  exited: Promise<{ code: number | null; output: string }>;
}

/**
 * Starts `guardian <args>` (a command that ends by itself) and returns at once, so a test can
 * watch its output while it runs. `input` is written to its stdin, which is then closed.
 */
export function spawnGuardian(
  args: string[],
  env: Record<string, string>,
  input = "",
): GuardianCommand {
  const child = spawn(process.execPath, ["--import", `file://${loader}`, main, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  child.stdin!.end(input);
  const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output: out }));
  });
  return { child, output: () => out, exited };
}

/** Runs `guardian <args>` to completion: its exit code and everything it wrote. */
export async function runGuardian(
  args: string[],
  env: Record<string, string>,
  input = "",
): Promise<{ code: number | null; output: string }> {
  return spawnGuardian(args, env, input).exited;
}

/** Stops a `guardian` process with SIGTERM and returns its exit code. */
export async function stopGuardian(r: RunningGuardian): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    r.child.once("exit", (code) => resolve(code)),
  );
  r.child.kill("SIGTERM");
  return exited;
}

/** The bootstrap admin password a fresh `guardian dev` printed once. */
export function bootstrapPassword(output: string): string {
  const match = /password "([^"]+)"/.exec(output);
  if (!match) throw new Error(`guardian dev printed no admin password:\n${output}`);
  return match[1]!;
}
