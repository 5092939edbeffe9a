import { expect, it } from "vitest";
import type { ContractContext } from "./index.js";
import { deleteKey, readJson as read, testMeta } from "../../testing/writes.js";
import { put, storeError } from "./helpers.js";

/** Reads: at least revision R, past revisions, filters, counts and pagination. */
export function readContract(ctx: ContractContext): void {
  it("reads at least revision R on another store instance", async () => {
    const writer = await ctx.open();
    const reader = await ctx.open();
    const p = ctx.project();
    const w = await writer.write(put(p, "ryw", "fresh"));
    const got = await reader.get(p, "ryw", { minRevision: w.revision });
    expect(got.revision).toBeGreaterThanOrEqual(w.revision);
    expect(got.kv && read(got.kv.value)).toBe("fresh");
    const listed = await reader.range(p, "", { minRevision: w.revision });
    expect(listed.kvs.map((kv) => kv.version)).toEqual([w.revision]);
  });

  it("reads past revisions of a config and of a prefix", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
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

  it("filters a range by schema and labels and counts the prefix", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const tagged = (labels: Record<string, string>, schema = "") => ({
      meta: testMeta({ labels, schema }),
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
    const engine = await ctx.open();
    const p = ctx.project();
    for (const k of ["svc/b", "svc/a", "svc/c", "other/z", "svc/a/deep"])
      await engine.write(put(p, k, k));
    const page1 = await engine.range(p, "svc/", { limit: 2 });
    expect(page1.kvs.map((k) => k.key)).toEqual(["svc/a", "svc/a/deep"]);
    expect(page1.more).toBe(true);
    const page2 = await engine.range(p, "svc/", { limit: 2, after: "svc/a/deep" });
    expect(page2.kvs.map((k) => k.key)).toEqual(["svc/b", "svc/c"]);
    expect(page2.more).toBe(false);
  });

  it("serves a read at least at revision R, and refuses a revision not yet written", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    const w = await engine.write(put(p, "r", 1));
    const got = await engine.get(p, "r", { minRevision: w.revision });
    expect(got.revision).toBeGreaterThanOrEqual(w.revision);
    const err = await storeError(engine.get(p, "r", { minRevision: w.revision + 1_000_000n }));
    expect(err.kind).toBe("future_revision");
  });

  it("reads later pages of a range at the first page's revision after newer writes", async () => {
    const engine = await ctx.open();
    const p = ctx.project();
    for (const k of ["a", "b", "c", "d"]) await engine.write(put(p, `pg/${k}`, k));
    const page1 = await engine.range(p, "pg/", { limit: 2 });
    expect(page1.kvs.map((k) => k.key)).toEqual(["pg/a", "pg/b"]);
    await engine.write(put(p, "pg/b2", "later"));
    await engine.write(deleteKey(p, "pg/c"));
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
}
