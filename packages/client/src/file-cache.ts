import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { decodeCachedState, encodeCachedState } from "./subscription/cache-format.js";
import type { ClientLogger, SubscriptionCache } from "./subscription/types.js";

/** Options of {@link fileCache}. */
export interface FileCacheOptions {
  /** Receives the warning about a cache file that cannot be read. Default: console. */
  logger?: ClientLogger;
}

/**
 * A subscription cache in one JSON file (Node only). Writes are atomic: the state goes to a
 * temporary file in the same directory, which is then renamed over the cache file, so a
 * crash leaves the old or the new copy, never half of one. A missing file loads nothing; a
 * corrupt or unreadable one loads nothing with a warning.
 */
export function fileCache(path: string, opts: FileCacheOptions = {}): SubscriptionCache {
  if (typeof path !== "string" || path === "") {
    throw new TypeError('fileCache: "path" is required (a non-empty string)');
  }
  const logger = opts.logger ?? console;
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        logger.warn(`guardian: ignoring the cache file ${path}: it cannot be read`, err);
        return undefined;
      }
      try {
        return decodeCachedState(text);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        logger.warn(`guardian: ignoring the cache file ${path}: it is corrupt (${why})`);
        return undefined;
      }
    },
    async save(state) {
      const dir = dirname(path);
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
      try {
        await writeFile(temp, encodeCachedState(state), { mode: 0o600 });
        await rename(temp, path);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
  };
}
