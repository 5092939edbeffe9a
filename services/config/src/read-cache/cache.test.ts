import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { WatchKeysResponseSchema, type StoreService } from "@guardian/api";
import { waitFor } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";
import { json, lateWatchStore, newProject, plain } from "../testing/fixtures.js";
import { createReadCache } from "./cache.js";

const h = useHarness();
const stops: AbortController[] = [];

// Runs before the harness closes (after-hooks run in reverse order of registration).
afterAll(() => {
  for (const ac of stops) ac.abort();
});

describe("read cache", () => {
  /** A store client whose watch streams are counted, and can be told to lose events. */
  function instrumentedStore() {
    const state = { watches: 0, compactNext: false, expireNext: false, silent: false };
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
            // A store that cannot reach its source of truth withholds progress.
            if (state.silent && m.kind.case === "progress") continue;
            yield m;
          }
        })();
      },
    };
    return { store, state };
  }

  it("lets a process read its own write at once, although the watch delivers it later", async () => {
    const delayed = lateWatchStore(h.store, 300);
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store: delayed, signal: ac.signal });
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "a", content: json(1), schema: "any" });
    const first = await h.config.updateConfig({ project: p, key: "a", content: json(2) });
    await cache.read(p, "a", { minRevision: first.revision });

    const second = await h.config.updateConfig({ project: p, key: "a", content: json(3) });
    // Another process's write shows once the watch delivers it...
    expect(plain((await cache.read(p, "a")).config?.content)).toBe(2);
    // ...this process's own write at once.
    cache.wrote(second.revision);
    // A caller that knows its own writes (the write basis) is answered at once from what the
    // cache holds: concurrent writes must not queue behind the watch.
    const third = await h.config.updateConfig({ project: p, key: "a", content: json(4) });
    cache.wrote(third.revision);
    const now = await cache.read(p, "a", { ownWrites: false });
    expect(now.revision).toBeLessThan(third.revision);
    const own = await cache.read(p, "a");
    expect(plain(own.config?.content)).toBe(4);
    expect(own.revision).toBeGreaterThanOrEqual(third.revision);
  });

  it("stops a read waiting for its project's load when its caller gives up, and loads on", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const store: Client<typeof StoreService> = {
      ...h.store,
      async range(req, opts) {
        await held;
        return h.store.range(req, opts);
      },
    };
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal });
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "a", content: json(1), schema: "any" });
    const gaveUp = cache.read(p, "a", { signal: AbortSignal.timeout(100) });
    await expect(gaveUp).rejects.toMatchObject({ code: Code.Canceled });
    // The load goes on for the readers that still wait.
    const waiting = cache.read(p, "a");
    release();
    expect(plain((await waiting).config?.content)).toBe(1);
  });

  it("serves every project from ONE store watch and reuses the entry of an unchanged config", async () => {
    const { store, state } = instrumentedStore();
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal });
    const p1 = await newProject(h);
    const p2 = await newProject(h);
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
    const p = await newProject(h);
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
    const p = await newProject(h);
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
  it("holds at most maxProjects projects and reloads a dropped one on its next read", async () => {
    const loads = new Map<string, number>();
    const store: Client<typeof StoreService> = {
      ...h.store,
      range(req, opts) {
        loads.set(req.project ?? "", (loads.get(req.project ?? "") ?? 0) + 1);
        return h.store.range(req, opts);
      },
    };
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal, maxProjects: 1 });
    const p1 = await newProject(h);
    const p2 = await newProject(h);
    await h.config.createConfig({ project: p1, key: "k", content: json("one"), schema: "any" });
    const w = await h.config.createConfig({
      project: p2,
      key: "k",
      content: json("two"),
      schema: "any",
    });
    const first = await cache.read(p1, "k", { minRevision: w.revision });
    expect(plain(first.config?.content)).toBe("one");
    expect(plain((await cache.read(p2, "k")).config?.content)).toBe("two");
    const u = await h.config.updateConfig({ project: p1, key: "k", content: json("again") });
    const again = await cache.read(p1, "k", { minRevision: u.revision });
    expect(plain(again.config?.content)).toBe("again");
    expect(again.revision).toBeGreaterThanOrEqual(u.revision);
    expect([loads.get(p1), loads.get(p2)]).toEqual([2, 1]);
  });

  it("marks reads stale while the store watch is silent longer than staleAfterMs, and current again once it speaks", async () => {
    const { store, state } = instrumentedStore();
    const ac = new AbortController();
    stops.push(ac);
    const cache = createReadCache({ store, signal: ac.signal, staleAfterMs: 2_000 });
    const p = await newProject(h);
    await h.config.createConfig({ project: p, key: "a", content: json(1), schema: "any" });
    const fresh = await cache.read(p, "a");
    expect(fresh.staleSeconds).toBe(0);
    state.silent = true;
    const stale = await waitFor(
      async () => {
        const r = await cache.read(p, "a");
        return r.staleSeconds > 0 ? r : undefined;
      },
      { what: "the read to be marked stale", timeoutMs: 20_000 },
    );
    // Stale, but still the cached content, at the revision it reflects.
    expect(plain(stale.config?.content)).toBe(1);
    expect(stale.revision).toBe(fresh.revision);
    expect(stale.staleSeconds).toBeGreaterThanOrEqual(2);
    expect(cache.staleSeconds()).toBe(stale.staleSeconds);
    state.silent = false;
    await waitFor(async () => ((await cache.read(p, "a")).staleSeconds === 0 ? true : undefined), {
      what: "the stale marking to end with the next progress",
      timeoutMs: 20_000,
    });
  });
});
