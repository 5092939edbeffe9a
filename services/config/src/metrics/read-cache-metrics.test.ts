import type { Client } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { createReadCache } from "../read-cache/cache.js";
import { useHarness } from "../testing/harness.js";
import { json, newProject } from "../testing/fixtures.js";
import { registerReadCacheMetrics } from "./read-cache-metrics.js";

const h = useHarness();
const ac = new AbortController();

// Runs before the harness closes (after-hooks run in reverse order of registration).
afterAll(() => ac.abort());

/** Reads a gauge's value from the registry's text. */
async function gauge(registry: Registry, name: string): Promise<number> {
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(await registry.metrics());
  return Number(m?.[1]);
}

describe("registerReadCacheMetrics", () => {
  it("reports how many revisions the read cache is behind this process's writes, and how long its watch has been silent", async () => {
    // A store whose watch holds events back until released, as a stalled watch would.
    let release = () => {};
    let held = new Promise<void>((resolve) => (release = resolve));
    const stalled: Client<typeof StoreService> = {
      ...h.store,
      watchKeys(req, opts) {
        return (async function* () {
          for await (const m of h.store.watchKeys(req, opts)) {
            if (m.kind.case === "events") await held;
            yield m;
          }
        })();
      },
    };
    const cache = createReadCache({ store: stalled, signal: ac.signal });
    const registry = new Registry();
    registerReadCacheMetrics(registry, cache);
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "a", content: json(1), schema: "any" });
    const written = await h.config.updateConfig({ project: p, key: "a", content: json(2) });
    cache.wrote(written.revision);
    const lag = await gauge(registry, "guardian_read_cache_lag_revisions");
    expect(lag).toBe(Number(written.revision - cache.revision));
    expect(lag).toBeGreaterThan(0);
    expect(
      await gauge(registry, "guardian_read_cache_last_update_age_seconds"),
    ).toBeGreaterThanOrEqual(0);

    const released = Date.now();
    release();
    held = Promise.resolve();
    await cache.read(p, "a", { minRevision: written.revision });
    expect(await gauge(registry, "guardian_read_cache_lag_revisions")).toBe(0);
    // The watch delivered the held events after their release. The age has sub-millisecond
    // precision; Date.now() counts whole milliseconds, so the time since may be 1 ms more.
    const age = await gauge(registry, "guardian_read_cache_last_update_age_seconds");
    expect(age).toBeLessThanOrEqual((Date.now() + 1 - released) / 1000);
  });
});
