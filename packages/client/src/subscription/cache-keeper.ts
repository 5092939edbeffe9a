import { describeTarget, sameTarget } from "./target.js";
import type { CachedState, ClientLogger, SubscriptionCache, WatchTarget } from "./types.js";

/** Loads and saves one subscription's copy through its cache, never throwing. */
export interface CacheKeeper {
  /** The cached state for this project and target, or undefined (with a warning if unusable). */
  load(): Promise<CachedState | undefined>;
  /** Saves `state()` after the configured delay; repeated calls in between save once. */
  schedule(): void;
  /** Saves now if a save is scheduled, and waits for every save to finish. */
  flush(): Promise<void>;
}

/** Creates the keeper of a subscription's cache. */
export function createCacheKeeper(
  cache: SubscriptionCache,
  project: string,
  target: WatchTarget,
  state: () => CachedState | undefined,
  opts: { delayMs: number; logger: ClientLogger },
): CacheKeeper {
  const { logger } = opts;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> = Promise.resolve();

  const save = () => {
    timer = undefined;
    const s = state();
    if (!s) return;
    saving = saving.then(() =>
      cache.save(s).catch((err: unknown) => logger.warn("guardian: cannot write the cache", err)),
    );
  };

  return {
    async load() {
      let s: CachedState | undefined;
      try {
        s = await cache.load();
      } catch (err) {
        logger.warn("guardian: ignoring a cache that cannot be read", err);
        return undefined;
      }
      if (!s) return undefined;
      if (s.project !== project || !sameTarget(s.target, target)) {
        logger.warn(
          `guardian: ignoring a cache of project ${JSON.stringify(s.project)}, ${describeTarget(s.target)}; ` +
            `this subscription watches project ${JSON.stringify(project)}, ${describeTarget(target)}`,
        );
        return undefined;
      }
      return s;
    },
    schedule() {
      timer ??= setTimeout(save, opts.delayMs);
    },
    async flush() {
      if (timer !== undefined) {
        clearTimeout(timer);
        save();
      }
      await saving;
    },
  };
}
