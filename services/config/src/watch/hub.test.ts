import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { StoreService, WatchRequestSchema, WatchResponse } from "@guardian/api";
import { afterEach, describe, expect, it } from "vitest";
import { json, newProject } from "../testing/fixtures.js";
import { useHarness } from "../testing/harness.js";
import { createWatchHub } from "./hub.js";

const h = useHarness({ poolSize: 10 });
const open: AbortController[] = [];

afterEach(() => {
  for (const ac of open.splice(0)) ac.abort();
});

/** A store client that counts WatchKeys calls; `endFirstAfter` ends the first one early. */
function countingStore(endFirstAfter?: number) {
  const state = { watches: 0 };
  const store: Client<typeof StoreService> = {
    ...h.store,
    watchKeys(req, opts) {
      const n = ++state.watches;
      return (async function* () {
        let sent = 0;
        for await (const m of h.store.watchKeys(req, opts)) {
          if (n === 1 && endFirstAfter !== undefined && sent++ === endFirstAfter) return;
          yield m;
        }
      })();
    },
  };
  return { store, state };
}

/** Opens a watch on `client`; `read(stop)` collects messages until `stop` holds. */
function watch(
  client: ReturnType<typeof h.configWith>,
  req: MessageInitShape<typeof WatchRequestSchema>,
) {
  const ac = new AbortController();
  open.push(ac);
  const it = client.watch(req, { signal: ac.signal })[Symbol.asyncIterator]();
  return {
    async read(stop: (m: WatchResponse) => boolean): Promise<WatchResponse[]> {
      const got: WatchResponse[] = [];
      const deadline = AbortSignal.timeout(5_000);
      while (!deadline.aborted) {
        const r = await it.next();
        if (r.done) throw new Error("the watch ended");
        got.push(r.value);
        if (stop(r.value)) return got;
      }
      throw new Error("no watch message in time");
    },
  };
}

const revisions = (ms: WatchResponse[]) =>
  ms.flatMap((m) => (m.kind.case === "change" ? [m.kind.value.revision] : []));
const changeAt = (revision: bigint) => (m: WatchResponse) =>
  m.kind.case === "change" && m.kind.value.revision === revision;
const isBookmark = (m: WatchResponse) => m.kind.case === "bookmark";

describe("watch hub", () => {
  it("serves many streams from ONE store watch, each getting every change in order", async () => {
    const p = await newProject(h);
    const created = await h.config.createConfig({
      project: p,
      key: "k",
      content: json(0),
      schema: "any",
    });
    const { store, state } = countingStore();
    const client = h.configWith({ store });
    const streams = Array.from({ length: 50 }, () =>
      watch(client, {
        project: p,
        target: { case: "key", value: "k" },
        startRevision: created.revision + 1n,
      }),
    );
    await Promise.all(streams.map((w) => w.read(isBookmark)));
    const written: bigint[] = [];
    for (let i = 1; i <= 3; i++) {
      written.push(
        (await h.config.updateConfig({ project: p, key: "k", content: json(i) })).revision,
      );
    }
    const got = await Promise.all(streams.map((w) => w.read(changeAt(written[2]!))));
    for (const ms of got) expect(revisions(ms)).toEqual(written);
    expect(state.watches).toBe(1);
  });

  it("re-opens a stream from a revision it holds, sending the changes after it once", async () => {
    const p = await newProject(h);
    const { store, state } = countingStore();
    const client = h.configWith({ store });
    const first = watch(client, { project: p });
    await first.read(isBookmark);
    const written: bigint[] = [];
    for (const key of ["a", "b", "c"]) {
      const res = await h.config.createConfig({
        project: p,
        key,
        content: json(key),
        schema: "any",
      });
      written.push(res.revision);
    }
    await first.read(changeAt(written[2]!));
    const again = watch(client, { project: p, startRevision: written[0]! + 1n });
    const replayed = await again.read(isBookmark);
    expect(revisions(replayed)).toEqual(written.slice(1));
    const d = await h.config.createConfig({
      project: p,
      key: "d",
      content: json("d"),
      schema: "any",
    });
    expect(revisions(await again.read(changeAt(d.revision)))).toEqual([d.revision]);
    expect(state.watches).toBe(1);
  });

  it("hands its streams to store watches of their own when its watch ends, losing nothing", async () => {
    const p = await newProject(h);
    // The hub's store watch ends after its first progress and two changes.
    const { store, state } = countingStore(3);
    const client = h.configWith({ store });
    const w = watch(client, { project: p });
    await w.read(isBookmark);
    const written: bigint[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await h.config.createConfig({
        project: p,
        key: `k${i}`,
        content: json(i),
        schema: "any",
      });
      written.push(res.revision);
    }
    const got = await w.read(changeAt(written[5]!));
    expect(revisions(got)).toEqual(written);
    expect(state.watches).toBeGreaterThan(1);
  });

  it("keeps recent changes within its byte bound, sending older start revisions to the store", async () => {
    const p = await newProject(h);
    const hub = createWatchHub(h.store, { cacheBytes: 30 });
    const ac = new AbortController();
    open.push(ac);
    const scope = { project: p, key: "", prefix: "" };
    const first = await hub.open(scope, 0n, ac.signal);
    expect(first).toBeDefined();
    const written: bigint[] = [];
    for (const key of ["a", "b", "c"]) {
      const content = json("x".repeat(10));
      written.push(
        (await h.config.createConfig({ project: p, key, content, schema: "any" })).revision,
      );
    }
    for (const revision of written) {
      const item = await first!.subscriber.next(ac.signal, 5_000);
      expect(item !== "idle" && "revision" in item && item.revision).toBe(revision);
    }
    // Each change holds 12 bytes of content: only the last two fit in 30 bytes, which
    // cover the changes after the first write but not the first write itself.
    expect(await hub.open(scope, written[1]!, ac.signal)).toBeDefined();
    expect(await hub.open(scope, written[0]!, ac.signal)).toBeUndefined();
    first!.close();
  });
});
