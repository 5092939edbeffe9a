import { Gauge, type Registry } from "prom-client";
import type { ReadCache } from "../read-cache/cache.js";

/**
 * Registers the read cache's watch lag in `registry`, read from `cache` when scraped:
 *
 * - `guardian_read_cache_lag_revisions`: revisions the cache is behind the newest revision
 *   this process knows the store committed (its own writes, the revisions reads waited for)
 * - `guardian_read_cache_last_update_age_seconds`: seconds since the store watch last
 *   delivered an event or a bookmark; the store sends a bookmark every 30 s
 *   while nothing changes, so a growing value means the watch is stuck or broken
 */
export function registerReadCacheMetrics(registry: Registry, cache: ReadCache): void {
  new Gauge({
    name: "guardian_read_cache_lag_revisions",
    help: "Store revisions the config read cache has not applied yet.",
    registers: [registry],
    // Summed over several processes on one port: the one furthest behind.
    aggregator: "max",
    collect() {
      this.set(Number(cache.knownRevision - cache.revision));
    },
  });
  new Gauge({
    name: "guardian_read_cache_last_update_age_seconds",
    help: "Seconds since the config read cache's store watch delivered an event or bookmark.",
    registers: [registry],
    aggregator: "max",
    collect() {
      this.set((Date.now() - cache.lastWatchItemAt) / 1000);
    },
  });
}
