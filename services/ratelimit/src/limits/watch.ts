import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { sleep } from "@guardian/kit";
import type { LimitsConfig } from "./config.js";
import { limitsFiles, parseLimitsFiles, readLimitsFiles } from "./load.js";

/** Options for {@link watchLimits}. */
export interface LimitsWatcherOptions {
  /** The limits file, or a directory of limits files (see `loadLimits`). */
  path: string;
  /** The files as they were loaded at start; a reload that reads the same text does nothing. */
  initial?: ReadonlyMap<string, string>;
  /** Applies limits read from changed files. */
  onChange(limits: LimitsConfig[]): void;
  /** A changed file could not be read or is invalid: the previous limits stay. */
  onError(err: unknown): void;
  /** The files were read after an event or a changed stat, and held the same text. */
  onUnchanged?: () => void;
  /** Quiet time after a file event before the files are read. Default 250 ms. */
  debounceMs?: number;
  /** How often the files are stat'ed in case an event was missed. Default 10 s. */
  pollMs?: number;
  /** False: no file system events, only the poll (tests of the fallback). Default true. */
  events?: boolean;
}

/** A running watch over the limits files. */
export interface LimitsWatcher {
  /** Stops watching; resolves once no reload is running. */
  close(): Promise<void>;
}

/**
 * Reloads the limits when their files change. It watches the directory that holds them, not
 * the file: Kubernetes updates a mounted ConfigMap by pointing its `..data` symlink at a new
 * directory, which an event on the old file would never report. Beside a single file, events
 * of other files in its folder are ignored. Events are debounced, and
 * every `pollMs` the files are stat'ed (following symlinks: inode, size, mtime) as a fallback
 * for file systems without events. A reload that reads the text in force, or the same invalid
 * text again, changes nothing (`onUnchanged`); an unreadable or invalid file goes to `onError`
 * and the previous limits stay; reading the text in force after a failure applies it again.
 */
export function watchLimits(opts: LimitsWatcherOptions): LimitsWatcher {
  const debounceMs = opts.debounceMs ?? 250;
  const pollMs = opts.pollMs ?? 10_000;
  const closed = new AbortController();
  let wake = new AbortController();
  let pending = false;
  let watcher: FSWatcher | undefined;
  let lastText = opts.initial === undefined ? undefined : textOf(opts.initial);

  const startWatch = async (): Promise<void> => {
    if (opts.events === false) return;
    let dir = dirname(opts.path);
    // In a file's folder only its own name and Kubernetes' `..data` swap concern the limits;
    // other files there (logs, for example) may change all the time.
    let relevant = (name: string | null): boolean =>
      name === null || name === basename(opts.path) || name.startsWith("..");
    try {
      if ((await stat(opts.path)).isDirectory()) {
        dir = opts.path;
        relevant = () => true;
      }
    } catch {
      // Missing for now: watch where it would appear.
    }
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (!relevant(name)) return;
        pending = true;
        if (!wake.signal.aborted) wake.abort();
      });
      // A watch that fails (directory removed) is dropped; the poll starts a new one.
      watcher.on("error", () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };

  // Whether a read failed since the limits in force were read, and the last invalid text.
  let failed = false;
  let invalidText: string | undefined;
  const reload = async (): Promise<void> => {
    let files: Map<string, string>;
    try {
      files = await readLimitsFiles(opts.path);
    } catch (err) {
      failed = true;
      opts.onError(err);
      return;
    }
    const text = textOf(files);
    if ((text === lastText && !failed) || text === invalidText) {
      opts.onUnchanged?.();
      return;
    }
    let limits: LimitsConfig[];
    try {
      limits = parseLimitsFiles(files);
    } catch (err) {
      failed = true;
      invalidText = text;
      opts.onError(err);
      return;
    }
    invalidText = undefined;
    // Also after a failed read of what turns out to be the same text: it is valid again.
    failed = false;
    lastText = text;
    opts.onChange(limits);
  };

  const loop = async (): Promise<void> => {
    await startWatch();
    let seen = await fingerprint(opts.path);
    await reload();
    while (!closed.signal.aborted) {
      if (!pending) await sleep(pollMs, AbortSignal.any([closed.signal, wake.signal]));
      if (closed.signal.aborted) break;
      wake = new AbortController();
      if (watcher === undefined) await startWatch();
      if (pending) {
        do {
          pending = false;
          await sleep(debounceMs, closed.signal);
        } while (pending && !closed.signal.aborted);
        if (closed.signal.aborted) break;
        seen = await fingerprint(opts.path);
        await reload();
        continue;
      }
      const now = await fingerprint(opts.path);
      if (now !== seen) {
        seen = now;
        await reload();
      }
    }
  };
  const done = loop().catch((err: unknown) => opts.onError(err));

  return {
    async close() {
      closed.abort();
      // After the loop ends: a watch it was starting is closed too.
      await done;
      watcher?.close();
    },
  };
}

/** One string for a set of files and their text. */
function textOf(files: ReadonlyMap<string, string>): string {
  return JSON.stringify([...files]);
}

/** Identifies the current version of the files: path, inode, size and mtime of each. */
async function fingerprint(path: string): Promise<string> {
  try {
    const parts: string[] = [];
    for (const file of await limitsFiles(path)) {
      const s = await stat(file);
      parts.push(`${file}:${s.ino}:${s.size}:${s.mtimeMs}`);
    }
    return parts.join("\n");
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}
