import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { StoreService } from "@guardian/api";
import { freePort, useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import {
  anySchema,
  as,
  failure,
  json,
  projectName,
  seedSchema,
  useHarness,
  user,
} from "./testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db);

describe("an unreachable store", () => {
  it("answers Unavailable and writes nothing", async () => {
    const project = projectName();
    const admin = as(user("ada"));
    await h.config.createProject({ project }, admin);
    await seedSchema(h.pool, project, "any", anySchema);
    // Nothing listens on this port: every store call fails to connect.
    const down = createClient(
      StoreService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${await freePort()}` }),
    );
    const config = h.configWith({ store: down });
    const err = await failure(
      config.createConfig({ project, key: "k", schema: "any", content: json({ a: 1 }) }, admin),
    );
    expect(err.code).toBe(Code.Unavailable);
    const read = await failure(config.getConfig({ project, key: "k" }, admin));
    expect(read.code).toBe(Code.Unavailable);
    expect((await h.store.get({ project, key: "k" })).kv).toBeUndefined();
  });
});
