import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { apiKey, json, newProject, plain } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("ReadConfig", () => {
  it("returns the content with the version as etag, and not_modified while it is current", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig({
      project: p,
      key: "app",
      content: json({ on: true }),
      schema: "any",
    });
    const first = await h.config.readConfig({ project: p, key: "app", minRevision: w.revision });
    expect(plain(first.content)).toEqual({ on: true });
    expect(first.etag).toBe(w.revision);
    expect(first.notModified).toBe(false);
    expect(first.revision).toBeGreaterThanOrEqual(w.revision);
    const same = await h.config.readConfig({ project: p, key: "app", ifNoneMatch: first.etag });
    expect(same).toMatchObject({ notModified: true, etag: w.revision });
    expect(same.content).toBeUndefined();
    const u = await h.config.updateConfig({ project: p, key: "app", content: json({ on: false }) });
    const changed = await h.config.readConfig({
      project: p,
      key: "app",
      ifNoneMatch: first.etag,
      minRevision: u.revision,
    });
    expect(changed).toMatchObject({ notModified: false, etag: u.revision });
    expect(plain(changed.content)).toEqual({ on: false });
  });

  it("sees deletions and answers NotFound for unknown configs and projects", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "tmp", content: json(1), schema: "any" });
    expect((await h.config.readConfig({ project: p, key: "tmp" })).etag).toBeGreaterThan(0n);
    const d = await h.config.deleteConfig({ project: p, key: "tmp" });
    const gone = await failureOf(
      h.config.readConfig({ project: p, key: "tmp", minRevision: d.revision }),
    );
    expect(gone.code).toBe(Code.NotFound);
    const unknown = await failureOf(h.config.readConfig({ project: "no-such-project", key: "x" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toContain("no-such-project");
  });

  it("lets an API key read its own project only, within its key prefix", async () => {
    const p = await newProject(h);
    const other = await newProject(h);
    await h.config.createConfig({ project: p, key: "public/a", content: json("a"), schema: "any" });
    const own = await h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(p)));
    expect(plain(own.content)).toBe("a");
    const denied = await failureOf(
      h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(other))),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
    const prefix = await failureOf(
      h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(p, "private/"))),
    );
    expect(prefix.code).toBe(Code.PermissionDenied);
    const write = await failureOf(
      h.config.updateConfig({ project: p, key: "public/a", content: json("b") }, as(apiKey(other))),
    );
    expect(write.code).toBe(Code.PermissionDenied);
    expect(plain((await h.config.getConfig({ project: p, key: "public/a" })).config?.content)).toBe(
      "a",
    );
  });

  it("refuses a min_revision the store has not reached", async () => {
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const future = (await h.engine.currentRevision()) + 1_000n;
    const err = await failureOf(h.config.readConfig({ project: p, key: "k", minRevision: future }));
    expect(err.code).toBe(Code.OutOfRange);
  });

  it("reads the store directly when no read cache is configured", async () => {
    const p = await newProject(h);
    const w = await h.config.createConfig({
      project: p,
      key: "k",
      content: json([1]),
      schema: "any",
    });
    const direct = h.configWith({ readCache: undefined });
    const res = await direct.readConfig({ project: p, key: "k", ifNoneMatch: w.revision });
    expect(res).toMatchObject({ notModified: true, etag: w.revision });
  });
});
