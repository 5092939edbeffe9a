import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { removeAllTempDirsNow } from "./temp-dir.js";

/** How a child process ended. */
export interface ProcessExit {
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  /** The signal that ended the process, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (for example ENOENT). */
  readonly error?: Error;
}

/** Options for {@link spawnProcess}. */
export interface SpawnProcessOptions {
  /** Short name used in error messages, such as `postgres` or `etcd m1`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** File that receives the child's stdout and stderr (appended). */
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run the child as this user id (the parent must be root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Signal that asks the child to shut down cleanly. Defaults to SIGTERM. */
  readonly stopSignal?: NodeJS.Signals;
  /** Signal sent when the parent exits with the child still running. Defaults to SIGKILL. */
  readonly emergencySignal?: NodeJS.Signals;
}

/** A child process started by {@link spawnProcess}, with its output captured in a log file. */
export interface ManagedProcess {
  readonly name: string;
  /** Process id; undefined only when the spawn itself failed. */
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Resolves when the process has exited (never rejects). */
  readonly exit: Promise<ProcessExit>;
  /** Sends `signal` (default SIGKILL) to the process if it is still running. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Stops the process: sends the stop signal, then SIGKILL after `timeoutMs`, and resolves
   * once it has exited.
   */
  stop(opts?: { timeoutMs?: number }): Promise<ProcessExit>;
  /** Returns the last `lines` lines of the log file. */
  logTail(lines?: number): string;
}

/** Every child started by this module that has not exited yet. */
const running = new Set<ManagedProcess & { readonly emergencySignal: NodeJS.Signals }>();
let hooksInstalled = false;

/**
 * Starts a child process whose stdout and stderr go to `logFile`.
 *
 * The child is registered so that it is killed when this process exits or receives SIGINT,
 * SIGTERM or SIGHUP (temp dirs from `makeTempDir` are deleted then too); only children
 * started here are ever signalled.
 */
export function spawnProcess(opts: SpawnProcessOptions): ManagedProcess {
  installExitHooks();
  const fd = openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", fd, fd],
      ...(opts.uid === undefined ? {} : { uid: opts.uid }),
      ...(opts.gid === undefined ? {} : { gid: opts.gid }),
    });
  } finally {
    closeSync(fd);
  }

  let exited = false;
  const exit = new Promise<ProcessExit>((resolve) => {
    child.once("error", (error) => {
      exited = true;
      resolve({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  const stopSignal = opts.stopSignal ?? "SIGTERM";
  const managed = {
    name: opts.name,
    pid: child.pid,
    logFile: opts.logFile,
    emergencySignal: opts.emergencySignal ?? "SIGKILL",
    get exited() {
      return exited;
    },
    exit,
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (!exited && child.pid !== undefined) child.kill(signal);
    },
    async stop({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}) {
      managed.kill(stopSignal);
      const timer = setTimeout(() => managed.kill("SIGKILL"), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
    logTail(lines = 40) {
      return readLogTail(opts.logFile, lines);
    },
  };
  running.add(managed);
  void exit.then(() => running.delete(managed));
  return managed;
}

/** Stops every child process started by {@link spawnProcess} that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/**
 * Runs a command to completion with output captured in `logFile`, and throws an Error
 * holding the log tail when it exits with a non-zero code.
 */
export async function runProcess(opts: Omit<SpawnProcessOptions, "stopSignal">): Promise<void> {
  const child = spawnProcess(opts);
  const result = await child.exit;
  if (result.error !== undefined) {
    throw new Error(`${opts.name}: could not run ${opts.command}: ${result.error.message}`, {
      cause: result.error,
    });
  }
  if (result.code !== 0) {
    throw new Error(
      `${opts.name} failed (${describeExit(result)}); log ${opts.logFile}:\n${child.logTail()}`,
    );
  }
}

/** Describes how a process ended, for error messages. */
export function describeExit(result: ProcessExit): string {
  if (result.error !== undefined) return `spawn failed: ${result.error.message}`;
  if (result.signal !== null) return `killed by ${result.signal}`;
  return `exit code ${result.code}`;
}

function readLogTail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, "utf8");
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n")
      .trimEnd();
  } catch {
    return "(no log output)";
  }
}

/** Signals every running child and deletes the temp dirs; the process is about to end. */
function killAllNow(): void {
  for (const child of running) child.kill(child.emergencySignal);
  removeAllTempDirsNow();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      killAllNow();
      process.off(signal, onSignal);
      // Listening for a signal disables Node's default exit; restore it when nobody else listens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
