import { expect, it } from "vitest";
import type { ContractContext } from "./index.js";
import { listAllRevisions } from "../../testing/history.js";
import { readJson as read, testMeta } from "../../testing/writes.js";
import { compactedTo, contractEngineOptions, put } from "./helpers.js";

/** History: every revision kept beyond retention, with its metadata. */
export function historyContract(ctx: ContractContext): void {
  it("keeps every revision in history after old ones leave the change log", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const revs: bigint[] = [];
    for (let i = 0; i < contractEngineOptions.retainPerConfig + 4; i++) {
      revs.push((await engine.write(put(p, "busy", i))).revision);
    }
    // The oldest records have left the change log: retention covers them.
    await compactedTo(engine, revs[3]!);
    const all = await listAllRevisions(engine, p, "busy", 2);
    expect(all.map((r) => r.revision)).toEqual([...revs].reverse());
    const oldest = await engine.getRevision(p, "busy", revs[0]!);
    expect(oldest && read(oldest.value)).toBe(0);
  });

  it("records who created a key, its previous revision, labels and schema binding", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const first = await engine.write(put(p, "m", 1));
    const bound = { author: "bob", schema: "app", schemaVersion: 2, validatedSchemaVersion: 2 };
    const second = await engine.write(
      put(p, "m", 2, { meta: testMeta({ ...bound, labels: { env: "prod" } }) }),
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
}
