import { expect, it } from "vitest";
import { deleteKey } from "../../testing/writes.js";
import { StoreError } from "../errors.js";
import type { StoreEngine, WriteInput, WriteResult } from "../types.js";
import type { ContractContext } from "./index.js";
import { collect, events, put } from "./helpers.js";

/**
 * Starts one write, then fires `inputs` in the same tick while it is in flight, so an engine
 * that commits in groups queues them and commits them together. Settles each one.
 */
async function burst(
  engine: StoreEngine,
  project: string,
  inputs: WriteInput[],
): Promise<PromiseSettledResult<WriteResult>[]> {
  const lead = engine.write(put(project, "lead", Math.random()));
  const all = await Promise.allSettled([lead, ...inputs.map((i) => engine.write(i))]);
  expect(all[0]?.status).toBe("fulfilled");
  return all.slice(1);
}

const ok = (r: PromiseSettledResult<WriteResult> | undefined): WriteResult | undefined =>
  r?.status === "fulfilled" ? r.value : undefined;

const failure = (r: PromiseSettledResult<WriteResult> | undefined): StoreError | undefined =>
  r?.status === "rejected" && r.reason instanceof StoreError ? r.reason : undefined;

/** Concurrent writes that an engine may commit in one group behave as if committed one by one. */
export function groupContract(ctx: ContractContext): void {
  it("settles concurrent compare-and-set writes each on its own: one winner per version, conflicts alone", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const a = await engine.write(put(p, "a", 0));
    const b = await engine.write(put(p, "b", 0));
    const results = await burst(engine, p, [
      put(p, "a", 1, { expectedVersion: a.revision }),
      put(p, "a", 2, { expectedVersion: a.revision }),
      put(p, "b", 1, { expectedVersion: b.revision - 1n }),
      put(p, "c", 1, { expectedVersion: 0n }),
      put(p, "c", 2, { expectedVersion: 0n }),
      put(p, "d", 1),
    ]);
    const [a1, a2, bStale, c1, c2, d] = results;
    for (const [x, y] of [
      [a1, a2],
      [c1, c2],
    ]) {
      const won = ok(x) ?? ok(y);
      const lost = failure(x) ?? failure(y);
      expect(won && lost).toBeTruthy();
      expect(lost!.kind).toBe("version_conflict");
      expect(lost!.detail.currentVersion).toBe(won!.revision);
    }
    expect(failure(bStale)?.kind).toBe("version_conflict");
    expect(failure(bStale)?.detail.currentVersion).toBe(b.revision);
    expect(ok(d)?.record.meta.changeKind).toBe("create");
    const written = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.revision] : []));
    expect(written).toHaveLength(3);
    expect(new Set(written).size).toBe(3);
    expect((await engine.get(p, "b")).kv?.version).toBe(b.revision);
    for (const key of ["a", "c", "d"]) {
      const kv = (await engine.get(p, key)).kv;
      expect(written).toContain(kv?.version);
    }
  });

  it("turns idempotent retries inside one group into replays, and refuses a reused key", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const same = put(p, "k", { v: 1 }, { idempotencyKey: "op-g" });
    const other = put(p, "k", { v: 2 }, { idempotencyKey: "op-g" });
    const results = await burst(engine, p, [same, same, other, same]);
    const firsts = results.filter((r) => ok(r)?.idempotentReplay === false);
    expect(firsts).toHaveLength(1);
    const first = ok(firsts[0])!;
    const winnerIsOther = ok(results[2])?.idempotentReplay === false;
    for (const [i, r] of results.entries()) {
      const sameAsWinner = winnerIsOther === (i === 2);
      if (sameAsWinner) {
        expect(ok(r)?.revision).toBe(first.revision);
      } else {
        expect(failure(r)?.kind).toBe("idempotency_mismatch");
      }
    }
    expect((await engine.listRevisions(p, "k")).records).toHaveLength(1);
  });

  it("applies must-exist against a delete of the same key in the same group", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    await engine.write(put(p, "k", 1));
    const [del, update, recreate] = await burst(engine, p, [
      deleteKey(p, "k"),
      put(p, "k", 2, { mustExist: true }),
      put(p, "k", 3, { expectedVersion: 0n }),
    ]);
    const deleted = ok(del);
    expect(deleted).toBeDefined();
    const updated = ok(update);
    // The create either came after the delete (a new key), or found the key still there.
    const created = ok(recreate);
    // The update came before the delete, or after a create that followed it (an engine that
    // does not group may order the three either way), or found the key gone.
    if (updated) {
      const afterCreate = created !== undefined && updated.revision > created.revision;
      if (!afterCreate) expect(updated.revision).toBeLessThan(deleted!.revision);
    } else {
      expect(failure(update)?.kind).toBe("not_found");
    }
    const kv = (await engine.get(p, "k")).kv;
    if (created) {
      expect(created.revision).toBeGreaterThan(deleted!.revision);
      expect(created.record.meta.changeKind).toBe("create");
      const last =
        updated && updated.revision > created.revision ? updated.revision : created.revision;
      expect(kv?.version).toBe(last);
      expect(kv?.createRevision).toBe(created.revision);
    } else {
      expect(failure(recreate)?.kind).toBe("version_conflict");
      expect(kv).toBeUndefined();
    }
  });

  it("delivers every write of a group to a watch once, in revision order, at increasing revisions", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const start = await engine.currentRevision();
    // Fewer writes than a watcher's buffer holds (contractEngineOptions.watchBufferSize).
    const inputs = Array.from({ length: 12 }, (_, i) =>
      put(p, `w/${i % 6}`, i, i % 5 === 4 ? { expectedVersion: 1n } : {}),
    );
    const results = await burst(engine, p, inputs);
    const written = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(written.length).toBeGreaterThan(0);
    for (const r of results) if (r.status === "rejected") expect(failure(r)?.kind).toBeDefined();
    const revisions = written.map((w) => w.revision).sort((x, y) => (x < y ? -1 : 1));
    expect(new Set(revisions).size).toBe(revisions.length);
    if (engine.name === "sql") {
      // The SQL engine never leaves gaps: a group's revisions are consecutive.
      revisions.forEach((r, i) => expect(r).toBe(revisions[0]! + BigInt(i)));
    }
    const items = await collect(engine, { project: p, prefix: "w/" }, start, (its) =>
      events(its).some((e) => e.revision === revisions[revisions.length - 1]),
    );
    expect(events(items).map((e) => e.revision)).toEqual(revisions);
    // Each key's records chain: every write names the one before it as its previous revision.
    for (const w of written) {
      const history = await engine.listRevisions(p, w.record.key);
      const at = history.records.findIndex((r) => r.revision === w.revision);
      expect(w.record.previousRevision).toBe(history.records[at + 1]?.revision ?? 0n);
    }
  });
}
