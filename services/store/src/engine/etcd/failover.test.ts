import { setTimeout as sleep } from "node:timers/promises";
import { waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { useHarness } from "../../testing/harness.js";
import { listAllRevisions } from "../../testing/history.js";
import { putJson, testMeta } from "../../testing/writes.js";
import { StoreError } from "../errors.js";
import type { RevisionRecord, WriteInput } from "../types.js";
import type { EtcdStoreEngine } from "./engine.js";

// A dedicated cluster: killing members of the shared one would disturb other test files.
const h = useHarness({ etcd: "cluster", closeAfter: "all" });

function open(endpoints: string[]): Promise<EtcdStoreEngine> {
  return h.open({
    endpoints,
    namespace: "/failover/",
    retainPerConfig: 100_000,
    callTimeoutMs: 2_000,
  });
}

function put(key: string, writer: number, expectedVersion?: bigint): WriteInput {
  return putJson(
    "failover",
    key,
    { writer },
    { expectedVersion, meta: testMeta({ author: `writer-${writer}` }) },
  );
}

/** Follows a watch in the background, collecting every event until stopped. */
function follow(engine: EtcdStoreEngine, start: bigint) {
  const ac = new AbortController();
  const seen: RevisionRecord[] = [];
  const done = (async () => {
    for await (const item of engine.watch({ project: "failover" }, start, ac.signal, 200)) {
      if (item.kind === "compacted") throw new Error("the watch was compacted");
      if (item.kind === "events") seen.push(...item.events);
    }
  })().catch((err: unknown) => {
    if (!ac.signal.aborted) throw err;
  });
  return { seen, stop: () => (ac.abort(), done) };
}

describe("etcd engine across a leader failover", () => {
  it("keeps every acknowledged compare-and-set write, one winner per version, and a gap-free watch", async () => {
    const keys = ["a", "b"];
    const cluster = h.cluster();
    const leader = await cluster.waitForLeader();
    const writers = [await open(cluster.endpoints), await open(cluster.endpoints)];
    const start = await writers[0]!.currentRevision();
    // One watcher may use any member; the other is pinned to the member about to die, so its
    // upstream watch must resume on that member after the restart.
    const anywhere = follow(await open(cluster.endpoints), start);
    const pinned = follow(await open([leader.clientUrl]), start);
    for (const key of keys) await writers[0]!.write(put(key, -1));

    const acked: { key: string; expected: bigint; revision: bigint; at: number }[] = [];
    let stop = false;
    async function writerLoop(id: number) {
      const engine = writers[id % writers.length]!;
      for (let n = 0; !stop; n++) {
        const key = keys[(id + n) % keys.length]!;
        try {
          const current = (await engine.get("failover", key)).kv?.version ?? 0n;
          const res = await engine.write(put(key, id, current));
          acked.push({ key, expected: current, revision: res.revision, at: Date.now() });
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          if (err.kind === "unavailable") await sleep(20);
          else if (err.kind !== "version_conflict") throw err;
        }
      }
    }
    const loops = [0, 1, 2, 3].map(writerLoop);
    await sleep(1_500);
    const killedAt = Date.now();
    await leader.kill();
    await cluster.waitForLeader();
    await sleep(2_000);
    stop = true;
    await Promise.all(loops);
    await leader.restart();

    expect(acked.filter((w) => w.at < killedAt).length).toBeGreaterThan(0);
    expect(acked.filter((w) => w.at > killedAt + 500).length).toBeGreaterThan(0);
    const versions = acked.map((w) => `${w.key}@${w.expected}`);
    expect(new Set(versions).size).toBe(versions.length);

    const all: RevisionRecord[] = [];
    for (const key of keys) {
      const records = (await listAllRevisions(writers[0]!, "failover", key, 1000)).reverse();
      // Each write was based on the one before it: no update was lost or applied twice.
      records.forEach((r, i) => expect(r.previousRevision).toBe(records[i - 1]?.revision ?? 0n));
      all.push(...records);
    }
    const stored = new Set(all.map((r) => r.revision));
    for (const w of acked) expect(stored.has(w.revision), `write ${w.revision}`).toBe(true);

    const expected = all.map((r) => r.revision).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const last = expected[expected.length - 1]!;
    for (const watcher of [anywhere, pinned]) {
      await waitFor(
        async () => (watcher.seen[watcher.seen.length - 1]?.revision === last ? true : undefined),
        { what: "the watcher to see the last write", timeoutMs: 20_000 },
      );
      await watcher.stop();
      expect(watcher.seen.map((r) => r.revision)).toEqual(expected);
    }
  }, 60_000);
});
