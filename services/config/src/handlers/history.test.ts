import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ChangeType, ValidationFailureSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { applyPatch, type PatchOperation } from "../document/json-patch.js";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, plain, seedSchema, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("history", () => {
  it("lists every write newest first with its author, time, message and change type", async () => {
    const p = await newProject(h);
    const a = await h.config.createConfig(
      { project: p, key: "k", content: json({ n: 1 }), schema: "any", message: "one" },
      as(user("alice")),
    );
    const b = await h.config.updateConfig(
      { project: p, key: "k", content: json({ n: 2 }), message: "two" },
      as(user("bob")),
    );
    const c = await h.config.deleteConfig(
      { project: p, key: "k", message: "three" },
      as(user("carol")),
    );
    const { revisions, nextPageToken } = await h.config.listRevisions({
      project: p,
      key: "k",
      includeContent: true,
    });
    expect(nextPageToken).toBe("");
    expect(
      revisions.map((r) => [r.revision, r.changeType, r.author, r.message, r.previousRevision]),
    ).toEqual([
      [c.revision, ChangeType.DELETE, "carol", "three", b.revision],
      [b.revision, ChangeType.UPDATE, "bob", "two", a.revision],
      [a.revision, ChangeType.CREATE, "alice", "one", 0n],
    ]);
    expect(revisions.map((r) => plain(r.content))).toEqual([undefined, { n: 2 }, { n: 1 }]);
    const times = revisions.map((r) => Number(r.createTime?.seconds ?? 0n));
    expect(times.every((t) => Math.abs(t - Date.now() / 1000) < 60)).toBe(true);
    const one = await h.config.getRevision({ project: p, key: "k", revision: b.revision });
    expect(plain(one.revision?.content)).toEqual({ n: 2 });
    expect(one.revision?.schema).toBe("any");
    expect((await failureOf(h.config.listRevisions({ project: p, key: "never" }))).code).toBe(
      Code.NotFound,
    );
    expect(
      (await failureOf(h.config.getRevision({ project: p, key: "other", revision: b.revision })))
        .code,
    ).toBe(Code.NotFound);
  });

  it("pages through revisions in the change log and the archive without gaps or repeats", async () => {
    const p = await newProject(h);
    const revs: bigint[] = [
      (await h.config.createConfig({ project: p, key: "k", content: json(0), schema: "any" }))
        .revision,
    ];
    for (let i = 1; i < 9; i++)
      revs.push((await h.config.updateConfig({ project: p, key: "k", content: json(i) })).revision);
    const archived = await h.pool.query<{ revision: string }>(
      "SELECT revision FROM revision_archive WHERE project = $1",
      [p],
    );
    expect(archived.rowCount).toBeGreaterThan(0);
    for (const pageSize of [2, 3, 100]) {
      const seen: bigint[] = [];
      let pageToken = "";
      do {
        const page = await h.config.listRevisions({ project: p, key: "k", pageSize, pageToken });
        expect(page.revisions.length).toBeLessThanOrEqual(pageSize);
        seen.push(...page.revisions.map((r) => r.revision));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      expect(seen).toEqual([...revs].reverse());
    }
  });
});

describe("rollback", () => {
  it("writes a new ROLLBACK revision with the old content, labels and binding", async () => {
    const p = await newProject(h);
    const v1 = await h.config.createConfig({
      project: p,
      key: "k",
      content: json({ mode: "a" }),
      schema: "any",
      labels: { v: "1" },
    });
    await h.config.updateConfig({
      project: p,
      key: "k",
      content: json({ mode: "b" }),
      labels: { v: "2" },
      updateMask: { paths: ["content", "labels"] },
    });
    const rb = await h.config.rollbackConfig(
      { project: p, key: "k", toRevision: v1.revision, message: "undo" },
      as(user("dave")),
    );
    expect(plain(rb.config?.content)).toEqual({ mode: "a" });
    expect(rb.config).toMatchObject({
      labels: { v: "1" },
      schema: "any",
      version: rb.revision,
      updatedBy: "dave",
    });
    const latest = (await h.config.listRevisions({ project: p, key: "k", pageSize: 1 }))
      .revisions[0];
    expect(latest).toMatchObject({
      revision: rb.revision,
      changeType: ChangeType.ROLLBACK,
      rolledBackFrom: v1.revision,
      message: "undo",
    });
    expect(
      await h.store.listKeyRevisions({ project: p, key: "k" }).then((r) => r.records.length),
    ).toBe(3);
  });

  it("restores a deleted config, and refuses to roll back to a deletion", async () => {
    const p = await newProject(h);
    const v1 = await h.config.createConfig({
      project: p,
      key: "k",
      content: json([1, 2]),
      schema: "any",
    });
    const del = await h.config.deleteConfig({ project: p, key: "k" });
    const toDeletion = await failureOf(
      h.config.rollbackConfig({ project: p, key: "k", toRevision: del.revision }),
    );
    expect(toDeletion.code).toBe(Code.FailedPrecondition);
    const notOurs = await failureOf(
      h.config.rollbackConfig({ project: p, key: "k", toRevision: del.revision + 1000n }),
    );
    expect(notOurs.code).toBe(Code.NotFound);
    const rb = await h.config.rollbackConfig({
      project: p,
      key: "k",
      toRevision: v1.revision,
      expectedVersion: 0n,
    });
    expect(plain((await h.config.getConfig({ project: p, key: "k" })).config?.content)).toEqual([
      1, 2,
    ]);
    expect(rb.config?.createRevision).toBe(rb.revision);
  });

  it("validates the restored content against the schema as it resolves now and refuses a violation", async () => {
    const p = await newProject(h);
    await seedSchema(h, p, "evolving", { type: "object" });
    const old = await h.config.createConfig({
      project: p,
      key: "k",
      content: json({ port: "80" }),
      schema: "evolving",
    });
    // Version 2 of the schema (the config follows the latest) no longer accepts the old content.
    await seedSchema(
      h,
      p,
      "evolving",
      { type: "object", properties: { port: { type: "integer" } } },
      2,
    );
    const current = await h.config.updateConfig({
      project: p,
      key: "k",
      content: json({ port: 80 }),
    });
    expect(current.config?.validatedSchemaVersion).toBe(2);
    const err = await failureOf(
      h.config.rollbackConfig({ project: p, key: "k", toRevision: old.revision }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ValidationFailureSchema)[0]?.violations.map((v) => v.pointer)).toEqual([
      "/port",
    ]);
    const now = await h.config.getConfig({ project: p, key: "k" });
    expect(now.config?.version).toBe(current.revision);
  });
});

describe("diff", () => {
  const patchOf = (ops: { op: string; path: string; value?: unknown }[]): PatchOperation[] =>
    ops.map((o) =>
      o.op === "remove"
        ? { op: "remove", path: o.path }
        : { op: o.op as "add", path: o.path, value: toJson(ValueSchema, o.value as never) },
    );

  it("returns a JSON Patch that turns one revision's content into another's", async () => {
    const p = await newProject(h);
    const a = { name: "svc", limits: { max: 1, "a/b": true }, regions: ["eu", "us"] };
    const b = { name: "svc", limits: { max: 2 }, regions: ["eu"], owner: "~team" };
    const c = { name: "svc2", regions: ["eu", "ap", "us"] };
    const v1 = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(a),
      schema: "any",
    });
    const v2 = await h.config.updateConfig({ project: p, key: "k", content: json(b) });
    const v3 = await h.config.updateConfig({ project: p, key: "k", content: json(c) });
    const d13 = await h.config.diffRevisions({
      project: p,
      key: "k",
      fromRevision: v1.revision,
      toRevision: v3.revision,
    });
    expect([d13.fromRevision, d13.toRevision]).toEqual([v1.revision, v3.revision]);
    expect(applyPatch(a, patchOf(d13.operations))).toEqual(c);
    const d31 = await h.config.diffRevisions({
      project: p,
      key: "k",
      fromRevision: v3.revision,
      toRevision: v1.revision,
    });
    expect(applyPatch(c, patchOf(d31.operations))).toEqual(a);
    // Defaults: to = the current version, from = the write before it.
    const latest = await h.config.diffRevisions({ project: p, key: "k" });
    expect([latest.fromRevision, latest.toRevision]).toEqual([v2.revision, v3.revision]);
    expect(applyPatch(b, patchOf(latest.operations))).toEqual(c);
    const creation = await h.config.diffRevisions({
      project: p,
      key: "k",
      toRevision: v1.revision,
    });
    expect(creation.fromRevision).toBe(0n);
    expect(applyPatch(null, patchOf(creation.operations))).toEqual(a);
    const same = await h.config.diffRevisions({
      project: p,
      key: "k",
      fromRevision: v2.revision,
      toRevision: v2.revision,
    });
    expect(same.operations).toEqual([]);
    const del = await h.config.deleteConfig({ project: p, key: "k" });
    const deletion = await h.config.diffRevisions({ project: p, key: "k" });
    expect([deletion.fromRevision, deletion.toRevision]).toEqual([v3.revision, del.revision]);
    expect(applyPatch(c, patchOf(deletion.operations))).toBeNull();
    expect(
      (
        await failureOf(
          h.config.diffRevisions({
            project: p,
            key: "k",
            fromRevision: 1n,
            toRevision: v1.revision,
          }),
        )
      ).code,
    ).toBe(Code.NotFound);
  });
});
