import { describe, expect, it } from "vitest";
import { createGroupQueue, type Settled } from "./group.js";

function recordingQueue(opts: { maxItems?: number; maxBytes?: number } = {}) {
  const groups: number[][] = [];
  const push = createGroupQueue<number, string>({
    async commit(items) {
      groups.push(items);
      await Promise.resolve();
      return items.map((n): Settled<string> =>
        n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: `v${n}` },
      );
    },
    maxItems: opts.maxItems ?? 100,
    maxBytes: opts.maxBytes,
    sizeOf: (n) => Math.abs(n),
  });
  return { groups, push };
}

describe("group queue", () => {
  it("commits a lone item at once, and items that arrive meanwhile together, in arrival order", async () => {
    const { groups, push } = recordingQueue();
    const results = await Promise.all([push(1), push(2), push(3), push(4)]);
    expect(results).toEqual(["v1", "v2", "v3", "v4"]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it("fails only the items the commit failed", async () => {
    const { push } = recordingQueue();
    const results = await Promise.allSettled([push(1), push(2), push(-3), push(4)]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
  });

  it("bounds a group by items and by bytes, but always takes one item", async () => {
    const byItems = recordingQueue({ maxItems: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => byItems.push(n)));
    expect(byItems.groups).toEqual([[1], [2, 3], [4, 5]]);
    const byBytes = recordingQueue({ maxBytes: 10 });
    await Promise.all([1, 20, 5, 5, 1].map((n) => byBytes.push(n)));
    expect(byBytes.groups).toEqual([[1], [20], [5, 5], [1]]);
  });

  it("fails every item of a group whose commit throws, and goes on with the next group", async () => {
    let calls = 0;
    const push = createGroupQueue<number, number>({
      async commit(items) {
        calls++;
        if (calls === 2) throw new Error("database gone");
        return items.map((n) => ({ ok: true, value: n }));
      },
      maxItems: 10,
    });
    const first = push(1);
    const group = [push(2), push(3)];
    const later = (async () => {
      await first;
      return push(4);
    })();
    expect(await first).toBe(1);
    for (const r of await Promise.allSettled(group)) expect(r.status).toBe("rejected");
    expect(await later).toBe(4);
  });
});
