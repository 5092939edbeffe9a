import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ChangeType,
  LimitExceededSchema,
  ValidationFailureSchema,
  VersionConflictSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, plain, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

const historyLength = async (p: string, key: string) =>
  (await h.store.listKeyRevisions({ project: p, key })).records.length;

describe("creating configs", () => {
  it("refuses to create a key that exists with AlreadyExists", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const err = await failureOf(
      h.config.createConfig({ project: p, key: "k", content: json(2), schema: "any" }),
    );
    expect(err.code).toBe(Code.AlreadyExists);
    expect(plain((await h.config.getConfig({ project: p, key: "k" })).config?.content)).toBe(1);
  });

  it("refuses a malformed key with InvalidArgument naming the key field", async () => {
    const p = await newProject(h);
    for (const key of ["", "/lead", "a//b", "a/../b", "sp ace"]) {
      const err = await failureOf(
        h.config.createConfig({ project: p, key, content: json(1), schema: "any" }),
      );
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
        "key",
      ]);
    }
  });

  it("refuses content that violates the schema, reporting every violation's pointer", async () => {
    const p = await newProject(h);
    const err = await failureOf(
      h.config.createConfig({
        project: p,
        key: "bad",
        content: json({ maxConnections: 500, name: 7, regions: ["eu", 3] }),
        schema: "limits",
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    const pointers = err
      .findDetails(ValidationFailureSchema)[0]
      ?.violations.map((v) => [v.pointer, v.keyword]);
    expect(pointers).toEqual([
      ["/maxConnections", "maximum"],
      ["/name", "type"],
      ["/regions/1", "type"],
    ]);
    const missing = await failureOf(
      h.config.createConfig({ project: p, key: "bad", content: json({}), schema: "limits" }),
    );
    expect(missing.findDetails(ValidationFailureSchema)[0]?.violations[0]).toMatchObject({
      pointer: "/maxConnections",
      keyword: "required",
    });
    expect((await h.store.get({ project: p, key: "bad" })).kv).toBeUndefined();
  });

  it("refuses content over the size limit with ResourceExhausted stating the limit and size", async () => {
    const p = await newProject(h);
    const small = h.configWith({ maxConfigBytes: 64 });
    const content = { name: "x".repeat(100), maxConnections: 1 };
    const size = Buffer.byteLength(JSON.stringify(content));
    const err = await failureOf(
      small.createConfig({ project: p, key: "big", content: json(content), schema: "limits" }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toContain("64");
    expect(err.rawMessage).toContain(String(size));
    expect(err.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "config_size_bytes",
      max: 64n,
      actual: BigInt(size),
    });
    expect((await h.store.get({ project: p, key: "big" })).kv).toBeUndefined();
  });
});

describe("updating and deleting configs", () => {
  it("replaces the content and keeps the schema binding and labels when the mask omits them", async () => {
    const p = await newProject(h);
    await h.config.createConfig({
      project: p,
      key: "k",
      content: json({ maxConnections: 1 }),
      schema: "limits",
      labels: { env: "prod" },
    });
    const up = await h.config.updateConfig(
      { project: p, key: "k", content: json({ maxConnections: 2 }), message: "bump" },
      as(user("bob")),
    );
    expect(up.config).toMatchObject({
      schema: "limits",
      labels: { env: "prod" },
      updatedBy: "bob",
    });
    expect(plain(up.config?.content)).toEqual({ maxConnections: 2 });
    const invalid = await failureOf(
      h.config.updateConfig({ project: p, key: "k", content: json({ maxConnections: "x" }) }),
    );
    expect(invalid.code).toBe(Code.InvalidArgument);
    expect(invalid.findDetails(ValidationFailureSchema)[0]?.violations[0]?.pointer).toBe(
      "/maxConnections",
    );
    const labels = await h.config.updateConfig({
      project: p,
      key: "k",
      labels: { env: "dev" },
      updateMask: { paths: ["labels"] },
    });
    expect(labels.config?.labels).toEqual({ env: "dev" });
    expect(plain(labels.config?.content)).toEqual({ maxConnections: 2 });
    const rebind = await failureOf(
      h.config.updateConfig({
        project: p,
        key: "k",
        schema: "ghost",
        updateMask: { paths: ["schema"] },
      }),
    );
    expect(rebind.code).toBe(Code.NotFound);
  });

  it("answers NotFound when updating or deleting a missing config", async () => {
    const p = await newProject(h);
    expect(
      (await failureOf(h.config.updateConfig({ project: p, key: "none", content: json(1) }))).code,
    ).toBe(Code.NotFound);
    expect((await failureOf(h.config.deleteConfig({ project: p, key: "none" }))).code).toBe(
      Code.NotFound,
    );
    expect((await h.store.get({ project: p, key: "none" })).kv).toBeUndefined();
  });

  it("refuses a stale expected_version with Aborted carrying the current version", async () => {
    const p = await newProject(h);
    const v1 = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(1),
      schema: "any",
    });
    const v2 = await h.config.updateConfig({
      project: p,
      key: "k",
      content: json(2),
      expectedVersion: v1.revision,
    });
    const err = await failureOf(
      h.config.updateConfig({
        project: p,
        key: "k",
        content: json(3),
        expectedVersion: v1.revision,
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    expect(err.findDetails(VersionConflictSchema)[0]).toMatchObject({
      project: p,
      key: "k",
      expectedVersion: v1.revision,
      currentVersion: v2.revision,
    });
    const del = await failureOf(
      h.config.deleteConfig({ project: p, key: "k", expectedVersion: v1.revision }),
    );
    expect(del.code).toBe(Code.Aborted);
    expect(plain((await h.config.getConfig({ project: p, key: "k" })).config?.content)).toBe(2);
  });

  it("lets exactly one of 8 concurrent updates with the same expected_version win", async () => {
    const p = await newProject(h);
    const base = await h.config.createConfig({
      project: p,
      key: "race",
      content: json(0),
      schema: "any",
    });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        h.config.updateConfig({
          project: p,
          key: "race",
          content: json(i + 1),
          expectedVersion: base.revision,
        }),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.flatMap((r) =>
      r.status === "rejected" ? [ConnectError.from(r.reason)] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(Array(7).fill(Code.Aborted));
    expect(await historyLength(p, "race")).toBe(2);
  });

  it("replays an idempotent retry without writing, and refuses the key for another request", async () => {
    const p = await newProject(h);
    const req = {
      project: p,
      key: "idem",
      content: json({ v: 1 }),
      schema: "any",
      idempotencyKey: "op-1",
    };
    const first = await h.config.createConfig(req);
    await h.config.updateConfig({ project: p, key: "idem", content: json({ v: 2 }) });
    const before = await h.engine.currentRevision();
    const again = await h.config.createConfig(req);
    expect(again.revision).toBe(first.revision);
    expect(plain(again.config?.content)).toEqual({ v: 1 });
    expect(await h.engine.currentRevision()).toBe(before);
    expect(await historyLength(p, "idem")).toBe(2);
    const other = await failureOf(h.config.createConfig({ ...req, content: json({ v: 9 }) }));
    expect(other.code).toBe(Code.InvalidArgument);
    expect(other.rawMessage).toContain("idempotency_key");
    expect(other.rawMessage).not.toContain("cfg-");
    const otherMessage = await failureOf(h.config.createConfig({ ...req, message: "different" }));
    expect(otherMessage.code).toBe(Code.InvalidArgument);
    // The key is scoped to the config: another config may use it for its own write.
    const elsewhere = await h.config.createConfig({ ...req, key: "idem2" });
    expect(elsewhere.revision).toBeGreaterThan(before);
    const del = await h.config.deleteConfig({ project: p, key: "idem2", idempotencyKey: "d-1" });
    const delAgain = await h.config.deleteConfig({
      project: p,
      key: "idem2",
      idempotencyKey: "d-1",
    });
    expect(delAgain.revision).toBe(del.revision);
  });

  it("deletes a config with a DELETE revision and keeps its history", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig({
      project: p,
      key: "gone",
      content: json(1),
      schema: "any",
    });
    const del = await h.config.deleteConfig(
      { project: p, key: "gone", expectedVersion: w.revision, message: "cleanup" },
      as(user("carol")),
    );
    expect(del.revision).toBeGreaterThan(w.revision);
    expect((await failureOf(h.config.getConfig({ project: p, key: "gone" }))).code).toBe(
      Code.NotFound,
    );
    const history = await h.config.listRevisions({ project: p, key: "gone" });
    expect(history.revisions.map((r) => [r.revision, r.changeType, r.author])).toEqual([
      [del.revision, ChangeType.DELETE, "carol"],
      [w.revision, ChangeType.CREATE, "anonymous"],
    ]);
  });

  it("writes every mutation to the audit log with its outcome", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig(
      { project: p, key: "audited", content: json(1), schema: "any" },
      as(user("alice")),
    );
    await failureOf(
      h.config.updateConfig(
        { project: p, key: "audited", content: json(2), expectedVersion: 1n },
        as(user("bob")),
      ),
    );
    const events = await h.pool.query(
      `SELECT actor, actor_kind, action, target, result, error_code, detail FROM audit_log
        WHERE project = $1 ORDER BY id`,
      [p],
    );
    expect(events.rows).toEqual([
      expect.objectContaining({ action: "guardian.config.v1.ConfigService/CreateProject" }),
      {
        actor: "alice",
        actor_kind: "user",
        action: "guardian.config.v1.ConfigService/CreateConfig",
        target: `projects/${p}/configs/audited`,
        result: "ok",
        error_code: "",
        detail: { revision: w.revision.toString() },
      },
      expect.objectContaining({
        actor: "bob",
        action: "guardian.config.v1.ConfigService/UpdateConfig",
        result: "failed",
        error_code: "aborted",
      }),
    ]);
  });
});
