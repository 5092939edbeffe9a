import { Code } from "@connectrpc/connect";
import { createPool } from "@guardian/db";
import { failureOf } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHarness, useHarness, type Harness } from "../testing/harness.js";
import { json, newProject, seedSchema } from "../testing/fixtures.js";

const h = useHarness();

// A second config service on the same database with its own pool, listener and caches, as
// another process would run it.
let other: Harness;
const otherPool = () => createPool({ url: h.db.url(), max: 2 });
let pool: ReturnType<typeof otherPool>;
beforeAll(async () => {
  pool = otherPool();
  pool.on("error", () => {});
  other = await startHarness({ ...h.db, pool: () => pool });
  // Until its listener is up the other process reads every lookup from PostgreSQL.
  await vi.waitFor(() => expect(other.catalogFeed.live()).toBe(true), { timeout: 10_000 });
});

afterAll(async () => {
  await other.close();
  await pool.end();
});

describe("the project and schema lookups of writes", () => {
  it("refuse a write to a project deleted by this process at once", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    await h.config.deleteProject({ project: p, force: true });
    const err = await failureOf(h.config.updateConfig({ project: p, key: "k", content: json(2) }));
    expect([err.code, err.rawMessage]).toEqual([Code.NotFound, `project "${p}" not found`]);
  });

  it("refuse a write to a project deleted by another process right after it commits", async () => {
    const p = await newProject(h);
    await other.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    await h.config.deleteProject({ project: p, force: true });
    await expect
      .poll(
        async () =>
          (
            await failureOf(
              other.config.createConfig({ project: p, key: "k2", content: json(1), schema: "any" }),
            )
          ).code,
      )
      .toBe(Code.NotFound);
  });

  it("validate against a schema version added by another process right after it commits", async () => {
    const p = await newProject(h);
    await other.config.createConfig({ project: p, key: "k", content: json({}), schema: "any" });
    await seedSchema(h, p, "any", { type: "object", required: ["name"] }, 2);
    await expect
      .poll(
        async () =>
          (await failureOf(other.config.updateConfig({ project: p, key: "k", content: json({}) })))
            .code,
      )
      .toBe(Code.InvalidArgument);
  });
});
