import { Code, ConnectError } from "@connectrpc/connect";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { failureOf, makeTempDir, removeTempDir } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../testing/harness.js";
import { json, newProject, seedSchema } from "../testing/fixtures.js";

// The write path on PGlite, as `guardian dev` runs it: one connection for every statement,
// and the catalog cache kept correct by the changes made in this process alone.
let dir: string;
let embedded: EmbeddedDatabase;
let h: Harness;

beforeAll(async () => {
  dir = await makeTempDir("embedded-writes");
  embedded = await openEmbeddedDatabase({ dataDir: dir });
  const unreachable = () => {
    throw new Error("an embedded database has no URL to listen on");
  };
  h = await startHarness(
    { name: () => "embedded", url: unreachable, pool: () => embedded.pool },
    { embedded: true },
  );
});

afterAll(async () => {
  await h?.close();
  await embedded?.close();
  await removeTempDir(dir);
});

describe("writes on an embedded database", () => {
  it("audits every one of many concurrent writes, each with its own revision", async () => {
    const p = await newProject(h);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const written = await Promise.all(
      keys.map((key) =>
        h.config.createConfig({ project: p, key, content: json(1), schema: "any" }),
      ),
    );
    const events = await h.pool.query<{
      target: string;
      result: string;
      detail: { revision?: string };
    }>(
      `SELECT target, result, detail FROM audit_log
        WHERE project = $1 AND action LIKE '%/CreateConfig' ORDER BY target`,
      [p],
    );
    const byTarget = new Map(events.rows.map((e) => [e.target, [e.result, e.detail.revision]]));
    expect(keys.map((key) => byTarget.get(`projects/${p}/configs/${key}`))).toEqual(
      written.map((w) => ["ok", String(w.revision)]),
    );
  });

  it("audits the writes of one group that lose their compare as failed, never as ok", async () => {
    const p = await newProject(h);
    const created = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(0),
      schema: "any",
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        h.config.updateConfig({
          project: p,
          key: "k",
          content: json(i + 1),
          expectedVersion: created.revision,
        }),
      ),
    );
    const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.revision] : []));
    const lost = outcomes.flatMap((o) =>
      o.status === "rejected" ? [ConnectError.from(o.reason).code] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost).toEqual(Array.from({ length: 9 }, () => Code.Aborted));
    const events = await h.pool.query<{ result: string; error_code: string; revision: string }>(
      `SELECT result, error_code, coalesce(detail->>'revision', '') AS revision FROM audit_log
        WHERE project = $1 AND action LIKE '%/UpdateConfig' ORDER BY result, id`,
      [p],
    );
    expect(events.rows).toEqual([
      ...lost.map(() => ({ result: "failed", error_code: "aborted", revision: "" })),
      { result: "ok", error_code: "", revision: String(won[0]) },
    ]);
  });

  it("refuses the next write to a deleted project", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    await h.config.deleteProject({ project: p, force: true });
    const err = await failureOf(h.config.updateConfig({ project: p, key: "k", content: json(2) }));
    expect([err.code, err.rawMessage]).toEqual([Code.NotFound, `project "${p}" not found`]);
  });

  it("validates the next write against a schema version just added", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json({}), schema: "any" });
    await seedSchema(h, p, "any", { type: "object", required: ["name"] }, 2);
    const err = await failureOf(h.config.updateConfig({ project: p, key: "k", content: json({}) }));
    expect(err.code).toBe(Code.InvalidArgument);
  });
});
