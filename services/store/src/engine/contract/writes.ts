import { expect, it } from "vitest";
import type { StoreError } from "../errors.js";
import type { ContractContext } from "./index.js";
import { deleteKey, readJson as read } from "../../testing/writes.js";
import { put, storeError } from "./helpers.js";

/** Writes: global revisions, optimistic concurrency, idempotent retries, deletions, mustExist. */
export function writeContract(ctx: ContractContext): void {
  it("gives every write the next global revision and reads it back with that version", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
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
    const engine = await ctx.open();
    const p = ctx.project();
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
    expect(stale.detail.observedRevision).toBeGreaterThanOrEqual(second.revision);
    expect(read((await engine.get(p, "k")).kv!.value)).toBe(2);
  });

  it("lets exactly one of many concurrent writers with the same expected version win", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
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
    const engine = await ctx.open();
    const p = ctx.project();
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
    const engine = await ctx.open();
    const p = ctx.project();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        engine.write(put(p, "dup", { v: 1 }, { idempotencyKey: "op-dup", expectedVersion: 0n })),
      ),
    );
    expect(results.filter((r) => !r.idempotentReplay)).toHaveLength(1);
    expect(new Set(results.map((r) => r.revision)).size).toBe(1);
    expect((await engine.listRevisions(p, "dup")).records).toHaveLength(1);
  });

  it("scopes an idempotency key to one config", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const a = await engine.write(put(p, "a", 1, { idempotencyKey: "same" }));
    const b = await engine.write(put(p, "b", 2, { idempotencyKey: "same" }));
    expect(b.idempotentReplay).toBe(false);
    expect(b.revision).toBeGreaterThan(a.revision);
    expect(read((await engine.get(p, "b")).kv!.value)).toBe(2);
  });

  it("deletes a config, keeps its history, and reports deleting a missing one", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const w = await engine.write(put(p, "gone", 1));
    const del = await engine.write(deleteKey(p, "gone"));
    expect((await engine.get(p, "gone")).kv).toBeUndefined();
    const history = await engine.listRevisions(p, "gone");
    expect(history.records.map((r) => [r.revision, r.deleted])).toEqual([
      [del.revision, true],
      [w.revision, false],
    ]);
    const missing = await storeError(engine.write(deleteKey(p, "never")));
    expect(missing.kind).toBe("not_found");
  });

  it("refuses a write that must find its key when the key is missing or deleted, writing nothing", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const missing = await storeError(engine.write(put(p, "gone", 1, { mustExist: true })));
    expect(missing.kind).toBe("not_found");
    const created = await engine.write(put(p, "gone", 1));
    const updated = await engine.write(put(p, "gone", 2, { mustExist: true }));
    expect(updated.record.meta.changeKind).toBe("update");
    const deleted = await engine.write(deleteKey(p, "gone"));
    const before = await engine.currentRevision();
    const recreated = await storeError(engine.write(put(p, "gone", 3, { mustExist: true })));
    expect(recreated.kind).toBe("not_found");
    // The refusal names a revision at which the key is known to be gone.
    expect(recreated.detail.observedRevision).toBeGreaterThanOrEqual(deleted.revision);
    const stale = await storeError(
      engine.write(put(p, "gone", 3, { expectedVersion: updated.revision })),
    );
    expect(stale.detail).toMatchObject({ currentVersion: 0n });
    expect(stale.detail.observedRevision).toBeGreaterThanOrEqual(deleted.revision);
    expect((await engine.get(p, "gone")).kv).toBeUndefined();
    expect(await engine.currentRevision()).toBe(before);
    const history = await engine.listRevisions(p, "gone");
    expect(history.records.map((r) => r.meta.changeKind)).toEqual(["delete", "update", "create"]);
    expect(history.records[2]?.revision).toBe(created.revision);
  });
}
