import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { WatchKeysResponseSchema, type StoreService } from "@guardian/api";
import type { Principal } from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createReadCache } from "../read-cache/cache.js";
import {
  anySchema,
  as,
  failure,
  json,
  plain,
  projectName,
  seedSchema,
  useHarness,
} from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db);
const stops: AbortController[] = [];

// Runs before the harness closes (after-hooks run in reverse order of registration).
afterAll(() => {
  for (const ac of stops) ac.abort();
});

async function project(): Promise<string> {
  const name = projectName();
  await h.config.createProject({ project: name });
  await seedSchema(h.pool, name, "any", anySchema);
  return name;
}

const apiKey = (project: string, keyPrefix = ""): Principal => ({
  kind: "api_key",
  id: "ak_test",
  name: "apikey:ak_test",
  project,
  apiKey: { id: "ak_test", project, scope: "read", keyPrefix },
});

describe("ReadConfig", () => {
  it("returns the content with the version as etag, and not_modified while it is current", async () => {
    const p = await project();
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
    const p = await project();
    await h.config.createConfig({ project: p, key: "tmp", content: json(1), schema: "any" });
    expect((await h.config.readConfig({ project: p, key: "tmp" })).etag).toBeGreaterThan(0n);
    const d = await h.config.deleteConfig({ project: p, key: "tmp" });
    const gone = await failure(
      h.config.readConfig({ project: p, key: "tmp", minRevision: d.revision }),
    );
    expect(gone.code).toBe(Code.NotFound);
    const unknown = await failure(h.config.readConfig({ project: "no-such-project", key: "x" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toContain("no-such-project");
  });

  it("lets an API key read its own project only, within its key prefix", async () => {
    const p = await project();
    const other = await project();
    await h.config.createConfig({ project: p, key: "public/a", content: json("a"), schema: "any" });
    const own = await h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(p)));
    expect(plain(own.content)).toBe("a");
    const denied = await failure(
      h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(other))),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
    const prefix = await failure(
      h.config.readConfig({ project: p, key: "public/a" }, as(apiKey(p, "private/"))),
    );
    expect(prefix.code).toBe(Code.PermissionDenied);
    const write = await failure(
      h.config.updateConfig({ project: p, key: "public/a", content: json("b") }, as(apiKey(other))),
    );
    expect(write.code).toBe(Code.PermissionDenied);
    expect(plain((await h.config.getConfig({ project: p, key: "public/a" })).config?.content)).toBe(
      "a",
    );
  });

  it("refuses a min_revision the store has not reached", async () => {
    const p = await project();
    await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const future = (await h.engine.currentRevision()) + 1_000n;
    const err = await failure(h.config.readConfig({ project: p, key: "k", minRevision: future }));
    expect(err.code).toBe(Code.OutOfRange);
  });

  it("reads the store directly when no read cache is configured", async () => {
    const p = await project();
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

describe("read cache", () => {
  /** A store client whose watch streams are counted, and can be told to lose events. */
  function instrumentedStore() {
    const state = { watches: 0, compactNext: false, expireNext: false };
    const store: Client<typeof StoreService> = {
      ...h.store,
      watchKeys(req, opts) {
        state.watches++;
        return (async function* () {
          for await (const m of h.store.watchKeys(req, opts)) {
            if (state.expireNext && m.kind.case === "events") {
              // A remote store ends the stream when the service token expires.
              state.expireNext = false;
              throw new ConnectError("the access token has expired", Code.Unauthenticated);
            }
            if (state.compactNext && m.kind.case === "events") {
              // The events are lost, as after a compaction; the stream says so and ends.
              state.compactNext = false;
              const r = m.kind.value.revision;
              yield create(WatchKeysResponseSchema, {
                kind: { case: "compacted", value: { compactRevision: r, currentRevision: r } },
              });
              return;
            }
            yield m;
          }
        })();
      },
    };
    return { store, state };
  }

  it("serves every project from ONE store watch and reuses the entry of an unchanged config", async () => {
    const { store, state } = instrumentedStore();
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal });
    const p1 = await project();
    const p2 = await project();
    await h.config.createConfig({
      project: p1,
      key: "a",
      content: json({ big: "x" }),
      schema: "any",
    });
    const w = await h.config.createConfig({
      project: p2,
      key: "b",
      content: json(2),
      schema: "any",
    });
    const a1 = await cache.read(p1, "a", { minRevision: w.revision });
    const a2 = await cache.read(p1, "a");
    expect(a2.config).toBe(a1.config);
    expect(plain(a1.config?.content)).toEqual({ big: "x" });
    expect(plain((await cache.read(p2, "b")).config?.content)).toBe(2);
    const u = await h.config.updateConfig({ project: p1, key: "a", content: json({ big: "y" }) });
    const a3 = await cache.read(p1, "a", { minRevision: u.revision });
    expect(a3.config).not.toBe(a1.config);
    expect(a3.config?.version).toBe(u.revision);
    expect(state.watches).toBe(1);
  });

  it("reloads its projects after the store reports that its watch was compacted", async () => {
    const { store, state } = instrumentedStore();
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal });
    const p = await project();
    const w = await h.config.createConfig({
      project: p,
      key: "k",
      content: json("old"),
      schema: "any",
    });
    expect(plain((await cache.read(p, "k", { minRevision: w.revision })).config?.content)).toBe(
      "old",
    );
    state.compactNext = true;
    const u = await h.config.updateConfig({ project: p, key: "k", content: json("new") });
    const after = await cache.read(p, "k", { minRevision: u.revision });
    expect(plain(after.config?.content)).toBe("new");
    expect(after.revision).toBeGreaterThanOrEqual(u.revision);
    expect(state.watches).toBe(2);
  });

  it("re-opens its watch quietly when the store ends it on expired service credentials", async () => {
    const { store, state } = instrumentedStore();
    const ac = new AbortController();
    stops.push(ac);
    const errors: unknown[] = [];
    const cache = createReadCache({ store, signal: ac.signal, onError: (e) => errors.push(e) });
    const p = await project();
    const w = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(1),
      schema: "any",
    });
    await cache.read(p, "k", { minRevision: w.revision });
    state.expireNext = true;
    const u = await h.config.updateConfig({ project: p, key: "k", content: json(2) });
    const after = await cache.read(p, "k", { minRevision: u.revision });
    expect(plain(after.config?.content)).toBe(2);
    expect(state.watches).toBe(2);
    expect(errors).toEqual([]);
  });
});
