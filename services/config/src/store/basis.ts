import type { KeyValue } from "@guardian/api";
import { LRUCache } from "lru-cache";
import type { ReadCache } from "../read-cache/cache.js";

/**
 * Where an update finds the state of a config it builds on without a store read: the newest
 * of what this process wrote last and what the read cache holds. Either may be behind the
 * store, so an update that builds on it must make its write conditional on the version it
 * saw, and read the store when that compare fails.
 */
export interface WriteBasis {
  /** The config as this process last knew it, or undefined when it knows nothing. */
  known(project: string, key: string): Promise<KeyValue | undefined>;
  /** Records the config as a write of this process left it. */
  wrote(kv: KeyValue): void;
  /** Forgets a config (after a deletion). */
  forget(project: string, key: string): void;
}

/** Options of {@link createWriteBasis}. */
export interface WriteBasisOptions {
  readCache?: ReadCache;
  /** Bytes of config values the written configs may hold at most. Default 16 MiB. */
  maxBytes?: number;
}

const idOf = (project: string, key: string) => `${project}\u0000${key}`;

/** Creates the write basis of one config service. */
export function createWriteBasis(opts: WriteBasisOptions = {}): WriteBasis {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  // A small fixed share per entry, so that empty values still count.
  const written = new LRUCache<string, KeyValue>({
    maxSize: maxBytes,
    sizeCalculation: (kv) => kv.value.length + 256,
    maxEntrySize: maxBytes / 16,
  });

  async function fromReadCache(project: string, key: string): Promise<KeyValue | undefined> {
    if (!opts.readCache) return undefined;
    try {
      // What this process wrote is in `written`: no wait for the cache to catch up with it.
      return (await opts.readCache.read(project, key, { ownWrites: false })).config?.kv;
    } catch {
      // The cache cannot serve now: the update reads the store instead.
      return undefined;
    }
  }

  return {
    async known(project, key) {
      const mine = written.get(idOf(project, key));
      const shared = await fromReadCache(project, key);
      if (!mine) return shared;
      if (!shared) return mine;
      return shared.version > mine.version ? shared : mine;
    },
    wrote(kv) {
      const id = idOf(kv.project, kv.key);
      // An idempotent replay answers with an earlier write: keep the newer state.
      const had = written.peek(id);
      if (!had || had.version < kv.version) written.set(id, kv);
    },
    forget(project, key) {
      written.delete(idOf(project, key));
    },
  };
}
