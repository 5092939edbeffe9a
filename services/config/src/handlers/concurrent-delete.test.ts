import { Code, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { StoreService } from "@guardian/api";
import { createStoreRoutes } from "@guardian/store-service";
import { describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";
import { json, newProject } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

/**
 * A config service whose next store Write runs right after `before` (a concurrent client's
 * change), so the race between the handler's read and its write is hit every time.
 */
function racing(before: () => Promise<unknown>) {
  let armed = true;
  const hook: Interceptor = (next) => async (req) => {
    if (armed && req.method.name === "Write") {
      armed = false;
      await before();
    }
    return next(req);
  };
  const store = createClient(
    StoreService,
    createRouterTransport(createStoreRoutes({ engine: h.engine }), {
      router: { interceptors: [hook] },
    }),
  );
  return h.configWith({ store });
}

describe("writes that presume the config exists", () => {
  it("UpdateConfig without expected_version never recreates a config deleted concurrently", async () => {
    const p = await newProject(h);
    const cases = [
      { key: "content", update: { content: json(2) } },
      { key: "labels", update: { labels: { a: "b" }, updateMask: { paths: ["labels"] } } },
      { key: "keyed", update: { content: json(2), idempotencyKey: "retry-1" } },
    ];
    for (const c of cases) {
      await h.config.createConfig({ project: p, key: c.key, content: json(1), schema: "any" });
      let deletedAt = 0n;
      const config = racing(async () => {
        deletedAt = (await h.config.deleteConfig({ project: p, key: c.key })).revision;
      });
      const err = await failureOf(config.updateConfig({ project: p, key: c.key, ...c.update }));
      expect(err.code, c.key).toBe(Code.NotFound);
      expect(err.rawMessage, c.key).toContain(c.key);
      expect((await h.store.get({ project: p, key: c.key })).kv, c.key).toBeUndefined();
      expect(await h.engine.currentRevision(), c.key).toBe(deletedAt);
    }
  });

  it("DeleteConfig of a config deleted concurrently answers NotFound and writes nothing", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    let deletedAt = 0n;
    const config = racing(async () => {
      deletedAt = (await h.config.deleteConfig({ project: p, key: "k" })).revision;
    });
    const err = await failureOf(config.deleteConfig({ project: p, key: "k" }));
    expect(err.code).toBe(Code.NotFound);
    expect(await h.engine.currentRevision()).toBe(deletedAt);
  });
});
