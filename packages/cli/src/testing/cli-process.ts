import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
/** The launcher at the checkout's root: what a user runs as `./guardian`. */
export const launcher = join(root, "guardian");

/** How one `./guardian ...` run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `./guardian` commands as a user would, with a config folder of their own. */
export type Cli = (
  args: string[],
  opts?: { input?: string; env?: Record<string, string> },
) => Promise<CliResult>;

/**
 * Creates a runner of the real `./guardian` launcher whose profiles live under `configHome`
 * (XDG_CONFIG_HOME). The environment's GUARDIAN_URL, GUARDIAN_TOKEN, GUARDIAN_API_KEY and
 * GUARDIAN_PROFILE are left out unless a call sets them. The launcher's own note that it
 * compiled the sources first is dropped from stderr.
 */
export function createCli(configHome: string): Cli {
  return (args, opts = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
    for (const name of ["GUARDIAN_URL", "GUARDIAN_TOKEN", "GUARDIAN_API_KEY", "GUARDIAN_PROFILE"]) {
      delete env[name];
    }
    const child = spawn(launcher, args, {
      cwd: root,
      env: { ...env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(opts.input ?? "");
    return new Promise<CliResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`guardian ${args.join(" ")} did not finish:\n${stdout}\n${stderr}`));
      }, 120_000);
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        const kept = stderr.split("\n").filter((l) => !/compiling the sources/.test(l));
        resolve({ code, stdout, stderr: kept.join("\n") });
      });
    });
  };
}
