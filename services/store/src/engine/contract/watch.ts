import { sleep } from "@guardian/kit";
import { expect, it } from "vitest";
import type { StoreError } from "../errors.js";
import type { RevisionRecord } from "../types.js";
import type { ContractContext } from "./index.js";
import { deleteKey } from "../../testing/writes.js";
import { collect, compactedTo, contractEngineOptions, events, put } from "./helpers.js";

/** Watches: order, scope, progress, resume across instances, compaction, slow consumers. */
export function watchContract(ctx: ContractContext): void {
  it("watches from a revision: every change in order, scoped, with progress while idle", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const start = await engine.currentRevision();
    const seen = collect(
      engine,
      { project: p, prefix: "web/" },
      start,
      (items) => events(items).length >= 3,
    );
    await sleep(30);
    const w1 = await engine.write(put(p, "web/a", 1));
    await engine.write(put(p, "api/a", 1));
    const w2 = await engine.write(put(p, "web/b", 1));
    const w3 = await engine.write(deleteKey(p, "web/a"));
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
    const first = await ctx.open();
    const p = ctx.project();
    const w1 = await first.write(put(p, "cfg", 1));
    const resumeFrom = w1.revision;
    await ctx.close(first);
    const second = await ctx.open();
    const later: bigint[] = [];
    for (let i = 2; i <= 4; i++) later.push((await second.write(put(p, "cfg", i))).revision);
    const third = await ctx.open();
    const items = await collect(
      third,
      { project: p },
      resumeFrom,
      (its) => events(its).length >= 3,
    );
    expect(events(items).map((e) => e.revision)).toEqual(later);
  });

  it("lets a watcher resume on a new store instance from its last revision while writes continue", async () => {
    const writer = await ctx.open();
    const first = await ctx.open();
    const p = ctx.project();
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
    await ctx.close(first);
    const second = await ctx.open();
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

  it("says explicitly when the start revision is no longer retained", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const start = (await engine.write(put(p, "hot", 0))).revision;
    for (let i = 1; i <= contractEngineOptions.retainPerConfig + 2; i++)
      await engine.write(put(p, "hot", i));
    await compactedTo(engine, start);
    const items = await collect(engine, { project: p }, start, () => true);
    expect(items[0]?.kind).toBe("compacted");
  });

  it("cuts off a slow watcher without stalling the others", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
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
}
