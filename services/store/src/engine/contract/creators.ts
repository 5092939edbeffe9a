import { expect, it } from "vitest";
import { recordToKeyValue } from "../records.js";
import type { RevisionRecord } from "../types.js";
import { deleteKey } from "../../testing/writes.js";
import { collect, events, put } from "./helpers.js";
import type { ContractContext } from "./index.js";

/**
 * Who created a key and when: every revision of one incarnation of a key names its creator,
 * whoever wrote that revision, in write results, watch events, reads and history alike.
 */
export function creatorContract(ctx: ContractContext): void {
  it("names the key's creator in every revision, not the revision's author", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const by = (author: string) => ({
      meta: { ...put(p, "k", 0).meta, author },
    });
    // Watched from before the first write: the key keeps fewer records than it gets here.
    const watched = collect(
      engine,
      { project: p },
      await engine.currentRevision(),
      (got) => events(got).length >= 4,
    );
    await new Promise((r) => setTimeout(r, 30));
    const created = await engine.write(put(p, "k", 1, by("alice")));
    await new Promise((r) => setTimeout(r, 5));
    const updated = await engine.write(put(p, "k", 2, by("bob")));
    const deleted = await engine.write(
      deleteKey(p, "k", { meta: { ...by("carol").meta, changeKind: "delete" } }),
    );
    const again = await engine.write(put(p, "k", 3, by("dave")));
    const firstLife = { createdBy: "alice", createTime: created.record.meta.time };
    const secondLife = { createdBy: "dave", createTime: again.record.meta.time };

    const creatorOf = (r: RevisionRecord) => {
      const kv = recordToKeyValue(r);
      return { createdBy: kv.createdBy, createTime: kv.createTime };
    };
    // What a write answers with.
    expect(creatorOf(created.record)).toEqual(firstLife);
    expect(creatorOf(updated.record)).toEqual(firstLife);
    expect(creatorOf(deleted.record)).toEqual(firstLife);
    expect(creatorOf(again.record)).toEqual(secondLife);
    // What a watch delivers, from the first of them.
    const items = await watched;
    expect(events(items).map(creatorOf)).toEqual([firstLife, firstLife, firstLife, secondLife]);
    // What reads answer.
    const now = (await engine.get(p, "k")).kv!;
    expect({ createdBy: now.createdBy, createTime: now.createTime }).toEqual(secondLife);
    const past = (await engine.get(p, "k", { revision: updated.revision })).kv!;
    expect({ createdBy: past.createdBy, createTime: past.createTime }).toEqual(firstLife);
  });
}
