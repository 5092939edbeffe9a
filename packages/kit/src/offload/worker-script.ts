import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * Where tsx's loader is: the one this process was started with (`tsx main.ts`, `guardian`,
 * the container image's global tsx), else the workspace's own (vitest, which transforms
 * files itself and starts no loader).
 */
function tsxLoader(): string {
  const args = process.execArgv;
  for (const [i, arg] of args.entries()) {
    const value = arg === "--import" ? args[i + 1] : /^--import=(.*)$/.exec(arg)?.[1];
    if (value !== undefined && /(^|[/\\])tsx([/\\]|$)/.test(value)) return value;
  }
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}

/**
 * A worker thread's entry beside the calling module (`name` without extension) and the Node
 * options it needs. From TypeScript sources the thread loads the `.ts` entry through tsx,
 * whose loader a worker thread does not get on its own; compiled JavaScript (the bundle,
 * where the entry is built beside `main.js`) needs nothing.
 */
export function workerScript(
  callerUrl: string,
  name: string,
): { filename: string; execArgv: string[] } {
  const fromSource = callerUrl.endsWith(".ts");
  const filename = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, callerUrl).href;
  return { filename, execArgv: fromSource ? ["--import", tsxLoader()] : [] };
}
