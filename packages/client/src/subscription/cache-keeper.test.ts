import { describe, expect, it } from "vitest";
import { createCacheKeeper } from "./cache-keeper.js";
import type { CachedState, SubscriptionCache } from "./types.js";

/** A cache held in memory, for the keeper's own rules. */
function memoryCache(initial?: CachedState) {
  const saved: CachedState[] = [];
  const cache: SubscriptionCache = {
    load: async () => initial,
    save: async (s) => void saved.push(s),
  };
  return { cache, saved };
}

const state = (project: string, target: CachedState["target"]): CachedState => ({
  project,
  target,
  revision: 3n,
  configs: [],
});

describe("the cache keeper", () => {
  it("ignores a cache of another project or target with a warning", async () => {
    for (const other of [state("other", { prefix: "eu/" }), state("shop", { prefix: "us/" })]) {
      const warnings: string[] = [];
      const logger = { warn: (m: string) => void warnings.push(m) };
      const { cache } = memoryCache(other);
      const keeper = createCacheKeeper(cache, "shop", { prefix: "eu/" }, () => undefined, {
        delayMs: 0,
        logger,
      });
      expect(await keeper.load()).toBeUndefined();
      expect(warnings[0]).toMatch(/ignoring a cache of project "\w+", prefix "\w+\/"/);
    }
  });

  it("loads a matching cache, and saves once however often a save is scheduled", async () => {
    const mine = state("shop", { key: "a" });
    const { cache, saved } = memoryCache(mine);
    const logger = { warn: () => {} };
    const keeper = createCacheKeeper(cache, "shop", { key: "a" }, () => mine, {
      delayMs: 60_000,
      logger,
    });
    expect(await keeper.load()).toBe(mine);
    keeper.schedule();
    keeper.schedule();
    await keeper.flush();
    expect(saved).toEqual([mine]);
  });

  it("warns instead of throwing when the cache cannot be read", async () => {
    const warnings: string[] = [];
    const cache: SubscriptionCache = {
      load: () => Promise.reject(new Error("disk gone")),
      save: async () => {},
    };
    const keeper = createCacheKeeper(cache, "shop", {}, () => undefined, {
      delayMs: 0,
      logger: { warn: (m: string) => void warnings.push(m) },
    });
    expect(await keeper.load()).toBeUndefined();
    expect(warnings).toEqual(["guardian: ignoring a cache that cannot be read"]);
  });
});
