import { Code, type Client } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { failureOf } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";
import { json, newProject, plain } from "../testing/fixtures.js";

const h = useHarness();

/** The harness's store client, counting the point reads (`get`) made through it. */
function countingGets(store: Client<typeof StoreService>) {
  const counted = { gets: 0 };
  const client = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== "get") return Reflect.get(target, prop, receiver) as unknown;
      return (...args: Parameters<typeof store.get>) => {
        counted.gets += 1;
        return target.get(...args);
      };
    },
  });
  return { client, counted };
}

describe("GetConfig with a read cache", () => {
  it("answers the current state from the cache exactly as the store would, with no store read", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig({
      project: p,
      key: "app",
      content: json({ on: true, list: [1, "two"] }),
      schema: "any",
      labels: { env: "prod" },
    });
    const { client, counted } = countingGets(h.store);
    const cached = h.configWith({ store: client });
    const direct = h.configWith({ readCache: undefined });
    const fromCache = await cached.getConfig({ project: p, key: "app", minRevision: w.revision });
    const fromStore = await direct.getConfig({ project: p, key: "app", minRevision: w.revision });
    expect(fromCache.config).toEqual(fromStore.config);
    expect(plain(fromCache.config?.content)).toEqual({ on: true, list: [1, "two"] });
    expect(fromCache.revision).toBeGreaterThanOrEqual(w.revision);
    const u = await h.config.updateConfig({ project: p, key: "app", content: json(2) });
    const updated = await cached.getConfig({ project: p, key: "app", minRevision: u.revision });
    expect(updated.config?.version).toBe(u.revision);
    expect(plain(updated.config?.content)).toBe(2);
    expect(counted.gets).toBe(0);

    // A past revision is read from the store (or its archive).
    const past = await cached.getConfig({ project: p, key: "app", revision: w.revision });
    expect(plain(past.config?.content)).toEqual({ on: true, list: [1, "two"] });
    expect(counted.gets).toBe(1);
  });

  it("answers NotFound for a missing config or project and OutOfRange ahead of the store", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const missing = await failureOf(h.config.getConfig({ project: p, key: "nope" }));
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.rawMessage).toContain("nope");
    const ghost = await failureOf(h.config.getConfig({ project: "no-such-project", key: "k" }));
    expect(ghost.code).toBe(Code.NotFound);
    expect(ghost.rawMessage).toContain("no-such-project");
    const future = (await h.engine.currentRevision()) + 1_000n;
    const ahead = await failureOf(
      h.config.getConfig({ project: p, key: "k", minRevision: future }),
    );
    expect(ahead.code).toBe(Code.OutOfRange);
  });
});
