import { sleep } from "@guardian/kit";
import { waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { maxRetainKeys, type RetainedKey } from "./retention.js";
import { scheduleRetention } from "./retention-schedule.js";

/** A retention whose passes are recorded, and held open until released when `hold` is set. */
function recordingRetention(opts: { hold?: boolean; failFirst?: boolean } = {}) {
  const passes: string[][] = [];
  const releases: (() => void)[] = [];
  let failNext = opts.failFirst ?? false;
  return {
    passes,
    release: () => releases.splice(0).forEach((r) => r()),
    async retainKeys(keys: RetainedKey[]) {
      passes.push(keys.map((k) => `${k.project}/${k.key}`));
      if (opts.hold) await new Promise<void>((resolve) => releases.push(resolve));
      if (failNext) {
        failNext = false;
        throw new Error("etcd is unavailable");
      }
    },
  };
}

const until = (what: string, check: () => boolean) =>
  waitFor(async () => (check() ? true : undefined), { what, timeoutMs: 5_000 });

describe("retention passes off the write path", () => {
  it("runs one pass for every key added during the delay, each key once, however often", async () => {
    const retention = recordingRetention();
    const schedule = scheduleRetention(retention, { delayMs: 50, onError: () => {} });
    for (let i = 0; i < 30; i++) schedule.add({ project: "p", key: `k${i % 3}` });
    schedule.add({ project: "q", key: "k0" });
    expect(retention.passes).toEqual([]);
    await until("the pass", () => retention.passes.length > 0);
    expect(retention.passes).toEqual([["p/k0", "p/k1", "p/k2", "q/k0"]]);
    await schedule.close();
  });

  it("keeps the keys added while a pass runs for the next pass", async () => {
    const retention = recordingRetention({ hold: true });
    const schedule = scheduleRetention(retention, { delayMs: 20, onError: () => {} });
    schedule.add({ project: "p", key: "a" });
    await until("the first pass", () => retention.passes.length === 1);
    schedule.add({ project: "p", key: "b" });
    schedule.add({ project: "p", key: "a" });
    retention.release();
    await until("the second pass", () => retention.passes.length === 2);
    retention.release();
    expect(retention.passes).toEqual([["p/a"], ["p/b", "p/a"]]);
    await schedule.close();
  });

  it("splits a pass into parts of at most maxRetainKeys keys", async () => {
    const retention = recordingRetention();
    const schedule = scheduleRetention(retention, { delayMs: 10, onError: () => {} });
    for (let i = 0; i < maxRetainKeys * 2 + 1; i++) schedule.add({ project: "p", key: `k${i}` });
    await until("three parts", () => retention.passes.length === 3);
    expect(retention.passes.map((p) => p.length)).toEqual([maxRetainKeys, maxRetainKeys, 1]);
    await schedule.close();
  });

  it("reports a failed part, runs the rest, and keeps scheduling", async () => {
    const retention = recordingRetention({ failFirst: true });
    const errors: unknown[] = [];
    const schedule = scheduleRetention(retention, {
      delayMs: 10,
      onError: (err) => errors.push(err),
    });
    for (let i = 0; i < maxRetainKeys + 1; i++) schedule.add({ project: "p", key: `k${i}` });
    await until("both parts", () => retention.passes.length === 2);
    expect(errors).toHaveLength(1);
    schedule.add({ project: "p", key: "later" });
    await until("a later pass", () => retention.passes.length === 3);
    expect(retention.passes[2]).toEqual(["p/later"]);
    await schedule.close();
  });

  it("on close, waits for the running pass and starts no other", async () => {
    const retention = recordingRetention({ hold: true });
    const schedule = scheduleRetention(retention, { delayMs: 10, onError: () => {} });
    schedule.add({ project: "p", key: "a" });
    await until("the pass", () => retention.passes.length === 1);
    schedule.add({ project: "p", key: "b" });
    let closed = false;
    const closing = schedule.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    retention.release();
    await closing;
    schedule.add({ project: "p", key: "c" });
    await sleep(50);
    expect(retention.passes).toEqual([["p/a"]]);
  });

  it("flushes: runs the due pass at once and waits until no key waits", async () => {
    const retention = recordingRetention();
    const schedule = scheduleRetention(retention, { delayMs: 60_000, onError: () => {} });
    schedule.add({ project: "p", key: "a" });
    schedule.add({ project: "p", key: "b" });
    await schedule.flush();
    expect(retention.passes).toEqual([["p/a", "p/b"]]);
    await schedule.flush();
    expect(retention.passes).toHaveLength(1);
    await schedule.close();
  });
});
