import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { StoreError } from "./errors.js";
import type { RevisionRecord, StoreEngine, WatchItem, WatchScope, WriteInput } from "./types.js";

/** Engine settings every contract run uses, so retention and slow-consumer cases are reachable. */
export const contractEngineOptions = {
  retainPerConfig: 3,
  watchBufferSize: 16,
  minRevisionTimeoutMs: 300,
};

/** Opens engines on one shared backing store; each call is a new store instance. */
export type OpenEngine = () => Promise<StoreEngine>;

const enc = new TextEncoder();
const dec = new TextDecoder();
const doc = (v: unknown) => enc.encode(JSON.stringify(v));
const read = (b: Uint8Array) => JSON.parse(dec.decode(b)) as unknown;
const meta = {
  author: "alice",
  message: "",
  requestId: "req",
  schema: "",
  schemaVersion: 0,
  validatedSchemaVersion: 0,
  labels: {} as Record<string, string>,
  rolledBackFrom: 0n,
};

function put(
  project: string,
  key: string,
  value: unknown,
  extra: Partial<WriteInput> = {},
): WriteInput {
  return {
    project,
    key,
    op: "put",
    value: doc(value),
    meta: { ...meta, changeKind: "update" },
    ...extra,
  };
}

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error("expected a StoreError");
}

/** Collects watch items until `stop` returns true for the collected list. */
async function collect(
  engine: StoreEngine,
  scope: WatchScope,
  start: bigint,
  stop: (items: WatchItem[]) => boolean,
  progressIntervalMs = 50,
): Promise<WatchItem[]> {
  const ac = new AbortController();
  const items: WatchItem[] = [];
  const timer = setTimeout(() => ac.abort(new Error("watch timed out")), 10_000);
  try {
    for await (const item of engine.watch(scope, start, ac.signal, progressIntervalMs)) {
      items.push(item);
      if (stop(items)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

const events = (items: WatchItem[]): RevisionRecord[] =>
  items.flatMap((i) => (i.kind === "events" ? i.events : []));

/**
 * Defines the store contract: the behaviour every engine must show, tested through the
 * engine interface only. `open` must return a new instance over the same data each call.
 */
export function defineStoreContract(name: string, open: OpenEngine): void {
  describe(`store contract: ${name}`, () => {
    const opened: StoreEngine[] = [];
    const openEngine = async () => {
      const engine = await open();
      opened.push(engine);
      return engine;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((e) => e.close()));
    });
    const project = () => `p-${randomUUID().slice(0, 8)}`;

    it("gives every write the next global revision and reads it back with that version", async () => {
      const engine = await openEngine();
      const p = project();
      const a = await engine.write(put(p, "a", { n: 1 }));
      const b = await engine.write(put(p, "b", { n: 2 }));
      expect(b.revision).toBeGreaterThan(a.revision);
      const got = await engine.get(p, "a");
      expect(got.kv?.version).toBe(a.revision);
      expect(got.kv?.createRevision).toBe(a.revision);
      expect(read(got.kv!.value)).toEqual({ n: 1 });
      expect(got.revision).toBeGreaterThanOrEqual(b.revision);
      expect(a.record.meta.changeKind).toBe("create");
      const a2 = await engine.write(put(p, "a", { n: 3 }));
      expect(a2.record.meta.changeKind).toBe("update");
      expect((await engine.get(p, "a")).kv?.createRevision).toBe(a.revision);
    });

    it("refuses a stale expected version and reports the current one", async () => {
      const engine = await openEngine();
      const p = project();
      const first = await engine.write(put(p, "k", 1, { expectedVersion: 0n }));
      const dup = await storeError(engine.write(put(p, "k", 2, { expectedVersion: 0n })));
      expect(dup.kind).toBe("version_conflict");
      expect(dup.detail.currentVersion).toBe(first.revision);
      const second = await engine.write(put(p, "k", 2, { expectedVersion: first.revision }));
      const stale = await storeError(
        engine.write(put(p, "k", 3, { expectedVersion: first.revision })),
      );
      expect(stale.kind).toBe("version_conflict");
      expect(stale.detail.currentVersion).toBe(second.revision);
      expect(read((await engine.get(p, "k")).kv!.value)).toBe(2);
    });

    it("lets exactly one of many concurrent writers with the same expected version win", async () => {
      const engine = await openEngine();
      const p = project();
      const base = await engine.write(put(p, "race", 0));
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          engine.write(put(p, "race", i + 1, { expectedVersion: base.revision })),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const err of lost) expect((err as StoreError).kind).toBe("version_conflict");
      const history = await engine.listRevisions(p, "race");
      expect(history.records).toHaveLength(2);
    });

    it("replays an idempotent retry without writing again", async () => {
      const engine = await openEngine();
      const p = project();
      const first = await engine.write(put(p, "idem", { v: 1 }, { idempotencyKey: "op-1" }));
      const before = await engine.currentRevision();
      const again = await engine.write(put(p, "idem", { v: 1 }, { idempotencyKey: "op-1" }));
      expect(again.idempotentReplay).toBe(true);
      expect(again.revision).toBe(first.revision);
      expect(read(again.record.value)).toEqual({ v: 1 });
      expect(await engine.currentRevision()).toBe(before);
      expect((await engine.listRevisions(p, "idem")).records).toHaveLength(1);
      const reused = await storeError(
        engine.write(put(p, "idem", { v: 2 }, { idempotencyKey: "op-1" })),
      );
      expect(reused.kind).toBe("idempotency_mismatch");
    });

    it("turns concurrent duplicates of an idempotent write into replays of one write", async () => {
      const engine = await openEngine();
      const p = project();
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          engine.write(put(p, "dup", { v: 1 }, { idempotencyKey: "op-dup", expectedVersion: 0n })),
        ),
      );
      expect(results.filter((r) => !r.idempotentReplay)).toHaveLength(1);
      expect(new Set(results.map((r) => r.revision)).size).toBe(1);
      expect((await engine.listRevisions(p, "dup")).records).toHaveLength(1);
    });

    it("reads at least revision R on another store instance", async () => {
      const writer = await openEngine();
      const reader = await openEngine();
      const p = project();
      const w = await writer.write(put(p, "ryw", "fresh"));
      const got = await reader.get(p, "ryw", { minRevision: w.revision });
      expect(got.revision).toBeGreaterThanOrEqual(w.revision);
      expect(got.kv && read(got.kv.value)).toBe("fresh");
      const listed = await reader.range(p, "", { minRevision: w.revision });
      expect(listed.kvs.map((kv) => kv.version)).toEqual([w.revision]);
    });

    it("scopes an idempotency key to one config", async () => {
      const engine = await openEngine();
      const p = project();
      const a = await engine.write(put(p, "a", 1, { idempotencyKey: "same" }));
      const b = await engine.write(put(p, "b", 2, { idempotencyKey: "same" }));
      expect(b.idempotentReplay).toBe(false);
      expect(b.revision).toBeGreaterThan(a.revision);
      expect(read((await engine.get(p, "b")).kv!.value)).toBe(2);
    });

    it("deletes a config, keeps its history, and reports deleting a missing one", async () => {
      const engine = await openEngine();
      const p = project();
      const w = await engine.write(put(p, "gone", 1));
      const del = await engine.write({
        project: p,
        key: "gone",
        op: "delete",
        meta: { ...meta, changeKind: "delete" },
      });
      expect((await engine.get(p, "gone")).kv).toBeUndefined();
      const history = await engine.listRevisions(p, "gone");
      expect(history.records.map((r) => [r.revision, r.deleted])).toEqual([
        [del.revision, true],
        [w.revision, false],
      ]);
      const missing = await storeError(
        engine.write({
          project: p,
          key: "never",
          op: "delete",
          meta: { ...meta, changeKind: "delete" },
        }),
      );
      expect(missing.kind).toBe("not_found");
    });

    it("reads past revisions of a config and of a prefix", async () => {
      const engine = await openEngine();
      const p = project();
      const v1 = await engine.write(put(p, "app/x", "one"));
      await engine.write(put(p, "app/y", "y"));
      const v2 = await engine.write(put(p, "app/x", "two"));
      expect(read((await engine.get(p, "app/x", { revision: v1.revision })).kv!.value)).toBe("one");
      expect(read((await engine.get(p, "app/x", { revision: v2.revision })).kv!.value)).toBe("two");
      const atV1 = await engine.range(p, "app/", { revision: v1.revision });
      expect(atV1.kvs.map((k) => k.key)).toEqual(["app/x"]);
      const rec = await engine.getRevision(p, "app/x", v1.revision);
      expect(rec && read(rec.value)).toBe("one");
      expect(await engine.getRevision(p, "app/x", v1.revision + 1n)).toBeUndefined();
    });

    it("keeps every revision in history after old ones leave the change log", async () => {
      const engine = await openEngine();
      const p = project();
      const revs: bigint[] = [];
      for (let i = 0; i < contractEngineOptions.retainPerConfig + 4; i++) {
        revs.push((await engine.write(put(p, "busy", i))).revision);
      }
      const all: bigint[] = [];
      let before: bigint | undefined;
      for (;;) {
        const page = await engine.listRevisions(p, "busy", { limit: 2, before });
        all.push(...page.records.map((r) => r.revision));
        if (!page.more) break;
        before = page.records[page.records.length - 1]!.revision;
      }
      expect(all).toEqual([...revs].reverse());
      const oldest = await engine.getRevision(p, "busy", revs[0]!);
      expect(oldest && read(oldest.value)).toBe(0);
      const info = await engine.compactionInfo();
      expect(info.compactRevision).toBeGreaterThanOrEqual(revs[3]!);
    });

    it("records who created a key, its previous revision, labels and schema binding", async () => {
      const engine = await openEngine();
      const p = project();
      const first = await engine.write(put(p, "m", 1));
      const bound = {
        ...meta,
        author: "bob",
        schema: "app",
        schemaVersion: 2,
        validatedSchemaVersion: 2,
      };
      const second = await engine.write(
        put(p, "m", 2, { meta: { ...bound, labels: { env: "prod" }, changeKind: "update" } }),
      );
      expect(second.record.previousRevision).toBe(first.revision);
      expect(first.record.previousRevision).toBe(0n);
      const kv = (await engine.get(p, "m")).kv!;
      expect(kv.createdBy).toBe("alice");
      expect(kv.meta).toMatchObject({
        author: "bob",
        schema: "app",
        schemaVersion: 2,
        labels: { env: "prod" },
      });
      const past = (await engine.get(p, "m", { revision: second.revision })).kv!;
      expect(past.createdBy).toBe("alice");
      expect(past.createTime.getTime()).toBe(kv.createTime.getTime());
    });

    it("filters a range by schema and labels and counts the prefix", async () => {
      const engine = await openEngine();
      const p = project();
      const tagged = (labels: Record<string, string>, schema = "") => ({
        meta: { ...meta, labels, schema, changeKind: "update" as const },
      });
      await engine.write(put(p, "f/a", 1, tagged({ env: "prod", team: "x" }, "s1")));
      await engine.write(put(p, "f/b", 2, tagged({ env: "dev" }, "s1")));
      const last = await engine.write(put(p, "f/c", 3, tagged({ env: "prod" })));
      const prod = await engine.range(p, "f/", { labels: { env: "prod" } });
      expect(prod.kvs.map((k) => k.key)).toEqual(["f/a", "f/c"]);
      expect(prod.count).toBe(3n);
      const s1 = await engine.range(p, "f/", { schema: "s1", keysOnly: true });
      expect(s1.kvs.map((k) => [k.key, k.value.length])).toEqual([
        ["f/a", 0],
        ["f/b", 0],
      ]);
      const atLast = await engine.range(p, "f/", {
        revision: last.revision,
        labels: { env: "prod" },
      });
      expect(atLast.kvs.map((k) => k.key)).toEqual(["f/a", "f/c"]);
      expect(atLast.count).toBe(3n);
    });

    it("lists a prefix in key order with pagination", async () => {
      const engine = await openEngine();
      const p = project();
      for (const k of ["svc/b", "svc/a", "svc/c", "other/z", "svc/a/deep"])
        await engine.write(put(p, k, k));
      const page1 = await engine.range(p, "svc/", { limit: 2 });
      expect(page1.kvs.map((k) => k.key)).toEqual(["svc/a", "svc/a/deep"]);
      expect(page1.more).toBe(true);
      const page2 = await engine.range(p, "svc/", { limit: 2, after: "svc/a/deep" });
      expect(page2.kvs.map((k) => k.key)).toEqual(["svc/b", "svc/c"]);
      expect(page2.more).toBe(false);
    });

    it("refuses a write that must find its key when the key is missing or deleted, writing nothing", async () => {
      const engine = await openEngine();
      const p = project();
      const missing = await storeError(engine.write(put(p, "gone", 1, { mustExist: true })));
      expect(missing.kind).toBe("not_found");
      const created = await engine.write(put(p, "gone", 1));
      const updated = await engine.write(put(p, "gone", 2, { mustExist: true }));
      expect(updated.record.meta.changeKind).toBe("update");
      await engine.write({
        project: p,
        key: "gone",
        op: "delete",
        meta: { ...meta, changeKind: "delete" },
      });
      const before = await engine.currentRevision();
      const recreated = await storeError(engine.write(put(p, "gone", 3, { mustExist: true })));
      expect(recreated.kind).toBe("not_found");
      expect((await engine.get(p, "gone")).kv).toBeUndefined();
      expect(await engine.currentRevision()).toBe(before);
      const history = await engine.listRevisions(p, "gone");
      expect(history.records.map((r) => r.meta.changeKind)).toEqual(["delete", "update", "create"]);
      expect(history.records[2]?.revision).toBe(created.revision);
    });

    it("serves a read at least at revision R, and refuses a revision not yet written", async () => {
      const engine = await openEngine();
      const p = project();
      const w = await engine.write(put(p, "r", 1));
      const got = await engine.get(p, "r", { minRevision: w.revision });
      expect(got.revision).toBeGreaterThanOrEqual(w.revision);
      const err = await storeError(engine.get(p, "r", { minRevision: w.revision + 1_000_000n }));
      expect(err.kind).toBe("future_revision");
    });

    it("watches from a revision: every change in order, scoped, with progress while idle", async () => {
      const engine = await openEngine();
      const p = project();
      const start = await engine.currentRevision();
      const seen = collect(
        engine,
        { project: p, prefix: "web/" },
        start,
        (items) => events(items).length >= 3,
      );
      await new Promise((r) => setTimeout(r, 30));
      const w1 = await engine.write(put(p, "web/a", 1));
      await engine.write(put(p, "api/a", 1));
      const w2 = await engine.write(put(p, "web/b", 1));
      const w3 = await engine.write({
        project: p,
        key: "web/a",
        op: "delete",
        meta: { ...meta, changeKind: "delete" },
      });
      const got = events(await seen);
      expect(got.map((e) => [e.key, e.revision, e.deleted])).toEqual([
        ["web/a", w1.revision, false],
        ["web/b", w2.revision, false],
        ["web/a", w3.revision, true],
      ]);
      const idle = await collect(engine, { project: p, key: "web/b" }, w3.revision, (items) =>
        items.some((i) => i.kind === "progress" && i.revision >= w3.revision),
      );
      expect(events(idle)).toEqual([]);
    });

    it("resumes a watch after a store restart with no missed event", async () => {
      const first = await openEngine();
      const p = project();
      const w1 = await first.write(put(p, "cfg", 1));
      const resumeFrom = w1.revision;
      await first.close();
      opened.splice(opened.indexOf(first), 1);
      const second = await openEngine();
      const later: bigint[] = [];
      for (let i = 2; i <= 4; i++) later.push((await second.write(put(p, "cfg", i))).revision);
      const third = await openEngine();
      const items = await collect(
        third,
        { project: p },
        resumeFrom,
        (its) => events(its).length >= 3,
      );
      expect(events(items).map((e) => e.revision)).toEqual(later);
    });

    it("lets a watcher resume on a new store instance from its last revision while writes continue", async () => {
      const writer = await openEngine();
      const first = await openEngine();
      const p = project();
      const start = await writer.currentRevision();
      const ac = new AbortController();
      const stream = first.watch({ project: p }, start, ac.signal, 50)[Symbol.asyncIterator]();
      const total = 12;
      const written: bigint[] = [];
      const writing = (async () => {
        // Distinct keys, so retention never drops a record the resumed watch needs.
        for (let i = 0; i < total; i++)
          written.push((await writer.write(put(p, `w${i}`, i))).revision);
      })();
      const before: RevisionRecord[] = [];
      while (before.length < 4) {
        const r = await stream.next();
        if (r.done) break;
        if (r.value.kind === "events") before.push(...r.value.events);
      }
      await stream.return?.(undefined);
      ac.abort();
      await first.close();
      opened.splice(opened.indexOf(first), 1);
      const second = await openEngine();
      const last = before[before.length - 1]!.revision;
      const after = await collect(
        second,
        { project: p },
        last,
        (items) => before.length + events(items).length >= total,
      );
      await writing;
      expect([...before, ...events(after)].map((e) => e.revision)).toEqual(written);
    });

    it("reads later pages of a range at the first page's revision after newer writes", async () => {
      const engine = await openEngine();
      const p = project();
      for (const k of ["a", "b", "c", "d"]) await engine.write(put(p, `pg/${k}`, k));
      const page1 = await engine.range(p, "pg/", { limit: 2 });
      expect(page1.kvs.map((k) => k.key)).toEqual(["pg/a", "pg/b"]);
      await engine.write(put(p, "pg/b2", "later"));
      await engine.write({
        project: p,
        key: "pg/c",
        op: "delete",
        meta: { ...meta, changeKind: "delete" },
      });
      const page2 = await engine.range(p, "pg/", {
        limit: 2,
        after: "pg/b",
        revision: page1.revision,
      });
      expect(page2.kvs.map((k) => [k.key, read(k.value)])).toEqual([
        ["pg/c", "c"],
        ["pg/d", "d"],
      ]);
      expect(page2.revision).toBe(page1.revision);
      expect(page2.count).toBe(4n);
      expect(page2.more).toBe(false);
    });

    it("says explicitly when the start revision is no longer retained", async () => {
      const engine = await openEngine();
      const p = project();
      const start = (await engine.write(put(p, "hot", 0))).revision;
      for (let i = 1; i <= contractEngineOptions.retainPerConfig + 2; i++)
        await engine.write(put(p, "hot", i));
      const items = await collect(engine, { project: p }, start, () => true);
      expect(items[0]?.kind).toBe("compacted");
    });

    it("cuts off a slow watcher without stalling the others", async () => {
      const engine = await openEngine();
      const p = project();
      const start = await engine.currentRevision();
      const ac = new AbortController();
      const slow = engine.watch({ project: p }, start, ac.signal, 60_000)[Symbol.asyncIterator]();
      await slow.next(); // the initial progress item: the watcher is now subscribed
      const total = contractEngineOptions.watchBufferSize * 2;
      const fast = collect(engine, { project: p }, start, (items) => events(items).length >= total);
      for (let i = 0; i < total; i++) await engine.write(put(p, `k${i}`, i));
      expect(events(await fast)).toHaveLength(total);
      let error: unknown;
      try {
        for (;;) {
          const r = await slow.next();
          if (r.done) break;
        }
      } catch (err) {
        error = err;
      }
      expect((error as StoreError).kind).toBe("slow_consumer");
      ac.abort();
    });
  });
}
