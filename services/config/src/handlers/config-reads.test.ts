import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, plain, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("reading configs", () => {
  it("creates a config validated against the latest schema version and reads it back", async () => {
    const p = await newProject(h);
    const created = await h.config.createConfig(
      {
        project: p,
        key: "eu/checkout/limits",
        content: json({ maxConnections: 10, name: "eu" }),
        schema: "limits",
        labels: { env: "prod" },
        message: "first",
      },
      as(user("alice")),
    );
    expect(created.revision).toBeGreaterThan(0n);
    expect(created.config).toMatchObject({
      project: p,
      key: "eu/checkout/limits",
      schema: "limits",
      schemaVersion: 0,
      validatedSchemaVersion: 1,
      version: created.revision,
      createRevision: created.revision,
      createdBy: "alice",
      updatedBy: "alice",
      labels: { env: "prod" },
    });
    const got = await h.config.getConfig({ project: p, key: "eu/checkout/limits" });
    expect(plain(got.config?.content)).toEqual({ maxConnections: 10, name: "eu" });
    expect(got.config?.version).toBe(created.revision);
    expect(got.revision).toBeGreaterThanOrEqual(created.revision);
    const stored = await h.store.get({ project: p, key: "eu/checkout/limits" });
    expect(stored.kv?.meta).toMatchObject({ message: "first", author: "alice", schema: "limits" });
  });

  it("says who created a config and when after others update it: in answers, reads and watch events", async () => {
    const p = await newProject(h);
    const watch = h.config.watch({ project: p })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.kind.case).toBe("bookmark");
    const created = await h.config.createConfig(
      { project: p, key: "k", content: json(1), schema: "any" },
      as(user("alice")),
    );
    const creator = { createdBy: "alice", createTime: created.config!.createTime };
    const updated = await h.config.updateConfig(
      { project: p, key: "k", content: json(2) },
      as(user("bob")),
    );
    expect(updated.config).toMatchObject({ ...creator, updatedBy: "bob" });
    const read = await h.config.getConfig({ project: p, key: "k", minRevision: updated.revision });
    expect(read.config).toMatchObject({ ...creator, updatedBy: "bob" });
    const history = await h.config.getConfig({ project: p, key: "k", revision: updated.revision });
    expect(history.config).toMatchObject(creator);
    for (;;) {
      const m = (await watch.next()).value;
      if (m?.kind.case !== "change") continue;
      expect(m.kind.value.config).toMatchObject(creator);
      if (m.kind.value.revision === updated.revision) break;
    }
    await watch.return?.();
  });

  it("answers NotFound for an unknown project, config or schema", async () => {
    const p = await newProject(h);
    const unknownProject = await failureOf(
      h.config.createConfig({ project: "nope-nope", key: "k", content: json(1), schema: "any" }),
    );
    expect(unknownProject.code).toBe(Code.NotFound);
    expect(unknownProject.rawMessage).toContain("nope-nope");
    expect((await failureOf(h.config.getConfig({ project: p, key: "missing" }))).code).toBe(
      Code.NotFound,
    );
    const noSchema = await failureOf(
      h.config.createConfig({ project: p, key: "k", content: json(1), schema: "ghost" }),
    );
    expect(noSchema.code).toBe(Code.NotFound);
    const noVersion = await failureOf(
      h.config.createConfig({
        project: p,
        key: "k",
        content: json(1),
        schema: "any",
        schemaVersion: 9,
      }),
    );
    expect(noVersion.code).toBe(Code.NotFound);
  });

  it("lists configs in key order by prefix and labels, page by page at one revision", async () => {
    const p = await newProject(h);
    const keys = ["svc/a", "svc/b", "svc/c", "svc/d", "svc/e", "other/x"];
    for (const key of keys) {
      await h.config.createConfig({
        project: p,
        key,
        content: json({ key }),
        schema: "any",
        labels: { env: key === "svc/c" ? "dev" : "prod" },
      });
    }
    const seen: string[] = [];
    const revisions = new Set<bigint>();
    let pageToken = "";
    let first = true;
    do {
      const page = await h.config.listConfigs({
        project: p,
        prefix: "svc/",
        labelSelector: { env: "prod" },
        pageSize: 2,
        pageToken,
        includeContent: true,
      });
      for (const c of page.configs) expect(plain(c.content)).toEqual({ key: c.key });
      seen.push(...page.configs.map((c) => c.key));
      revisions.add(page.revision);
      pageToken = page.nextPageToken;
      if (first) {
        // A write after the first page must not show up in later pages.
        await h.config.createConfig({
          project: p,
          key: "svc/bb",
          content: json(0),
          schema: "any",
          labels: { env: "prod" },
        });
        first = false;
      }
    } while (pageToken !== "");
    expect(seen).toEqual(["svc/a", "svc/b", "svc/d", "svc/e"]);
    expect(revisions.size).toBe(1);
    const keysOnly = await h.config.listConfigs({ project: p });
    expect(keysOnly.configs.map((c) => c.key)).toEqual([...keys, "svc/bb"].sort());
    expect(keysOnly.configs.every((c) => c.content === undefined)).toBe(true);
    const mismatch = await failureOf(
      h.config.listConfigs({ project: p, prefix: "other/", pageToken: "eyJmIjoieCJ9" }),
    );
    expect(mismatch.code).toBe(Code.InvalidArgument);
  });

  it("reads at least a revision, and refuses a revision the store has not reached", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(1),
      schema: "any",
    });
    const got = await h.config.getConfig({ project: p, key: "k", minRevision: w.revision });
    expect(got.revision).toBeGreaterThanOrEqual(w.revision);
    const future = await failureOf(
      h.config.getConfig({ project: p, key: "k", minRevision: w.revision + 1_000_000n }),
    );
    expect(future.code).toBe(Code.OutOfRange);
    const both = await failureOf(
      h.config.getConfig({ project: p, key: "k", minRevision: 1n, revision: 1n }),
    );
    expect(both.code).toBe(Code.InvalidArgument);
  });

  it("reads a config as of a past revision, also once the store has archived it", async () => {
    const p = await newProject(h);
    const revs: bigint[] = [];
    const write = (i: number) =>
      i === 0
        ? h.config.createConfig({ project: p, key: "hot", content: json(i), schema: "any" })
        : h.config.updateConfig({ project: p, key: "hot", content: json(i) });
    for (let i = 0; i < 8; i++) revs.push((await write(i)).revision);
    const past = await h.config.getConfig({ project: p, key: "hot", revision: revs[1]! });
    expect(plain(past.config?.content)).toBe(1);
    expect(past.revision).toBe(revs[1]);
    // The harness keeps 5 revisions per config: revision 1 now lives only in the archive.
    const archived = await h.pool.query("SELECT 1 FROM revision_archive WHERE revision = $1", [
      revs[1]!.toString(),
    ]);
    expect(archived.rowCount).toBe(1);
    expect(past.config).toMatchObject({ version: revs[1], createRevision: revs[0] });
    const future = await failureOf(
      h.config.getConfig({ project: p, key: "hot", revision: revs[7]! + 1_000n }),
    );
    expect(future.code).toBe(Code.OutOfRange);
  });
});
