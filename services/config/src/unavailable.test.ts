import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { StoreService } from "@guardian/api";
import { failureOf, freePort } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "./testing/harness.js";
import { json, newProject, user } from "./testing/fixtures.js";

const h = useHarness();

describe("an unreachable store", () => {
  it("answers Unavailable and writes nothing", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const admin = as(user("ada"));
    // Nothing listens on this port: every store call fails to connect.
    const down = createClient(
      StoreService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${await freePort()}` }),
    );
    // Without a read cache, reads go to the store as well.
    const config = h.configWith({ store: down, readCache: undefined });
    const err = await failureOf(
      config.createConfig({ project, key: "k", schema: "any", content: json({ a: 1 }) }, admin),
    );
    expect(err.code).toBe(Code.Unavailable);
    const read = await failureOf(config.getConfig({ project, key: "k" }, admin));
    expect(read.code).toBe(Code.Unavailable);
    expect((await h.store.get({ project, key: "k" })).kv).toBeUndefined();
  });
});
