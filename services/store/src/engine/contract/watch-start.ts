import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Client,
} from "@connectrpc/connect";
import { StoreEventType, StoreService } from "@guardian/api";
import { seededRandom } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createStoreRoutes } from "../../routes.js";
import { deleteKey, putJson } from "../../testing/writes.js";
import { inScope } from "../scope.js";
import type { RevisionRecord, StoreEngine, WatchScope } from "../types.js";

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the watch to fail");
}

/** What one WatchKeys stream delivered before its first progress (or its compacted message). */
interface Observed {
  events: Array<[string, string, bigint, boolean]>;
  end: { kind: "progress"; revision: bigint } | { kind: "compacted"; compactRevision: bigint };
}

async function observe(
  store: Client<typeof StoreService>,
  scope: WatchScope,
  startRevision: bigint,
): Promise<Observed> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error("watch timed out")), 10_000);
  const events: Observed["events"] = [];
  try {
    for await (const res of store.watchKeys(
      {
        project: scope.project ?? "",
        key: scope.key ?? "",
        prefix: scope.prefix ?? "",
        startRevision,
      },
      { signal: ac.signal },
    )) {
      const k = res.kind;
      if (k.case === "events") {
        for (const e of k.value.events) {
          events.push([e.kv!.project, e.kv!.key, e.kv!.version, e.type === StoreEventType.DELETE]);
        }
      } else if (k.case === "progress") {
        return { events, end: { kind: "progress", revision: k.value.revision } };
      } else if (k.case === "compacted") {
        return { events, end: { kind: "compacted", compactRevision: k.value.compactRevision } };
      }
    }
    throw new Error("the watch ended without progress or compacted");
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/** The start revisions to try: all of 1..current+1, or (for a large shared revision space) its edges and a seeded sample. */
function startRevisions(current: bigint, own: bigint[], rand: () => number): bigint[] {
  if (current <= 400n) return Array.from({ length: Number(current) + 1 }, (_, i) => BigInt(i + 1));
  const set = new Set<bigint>([1n, 2n, 3n, current, current + 1n]);
  for (const r of own) for (const d of [-1n, 0n, 1n]) if (r + d >= 1n) set.add(r + d);
  for (let i = 0; i < 40; i++) set.add(1n + BigInt(Math.floor(rand() * Number(current))));
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Defines the property "WatchKeys from ANY start revision in 1..current+1 delivers exactly the
 * retained changes at or above it, in order, then a progress message — or, when the start
 * revision is no longer retained, an explicit compacted message". It runs through the store
 * service (whose start revision is inclusive) over `open()`'s engine, after a seeded random
 * history of puts and deletes over several projects, keys and prefixes.
 */
export function defineWatchStartProperty<E extends StoreEngine>(
  name: string,
  open: () => Promise<E>,
  /** Completes the retention due after the writes so far (for an engine that defers it). */
  settle: (engine: E) => Promise<void> = async () => {},
): void {
  describe(`watch from every start revision: ${name}`, () => {
    it("delivers exactly the changes at or after the start revision, or says it is compacted", async () => {
      const engine = await open();
      try {
        const store = createClient(
          StoreService,
          createRouterTransport(createStoreRoutes({ engine })),
        );
        const seed = 0x5eed;
        const rand = seededRandom(seed);
        const projects = [`w-${randomUUID().slice(0, 8)}`, `w-${randomUUID().slice(0, 8)}`];
        const keys = ["a/x", "a/y", "b/z", "c"];
        /** Checks every start revision against the engine's retained changes. */
        async function checkEveryStart() {
          // Every write has reached the engine's watch cache before the watches start.
          await engine.get(projects[0]!, "c", { minRevision: await engine.currentRevision() });
          await settle(engine);
          const info = await engine.compactionInfo();
          const current = info.currentRevision;
          const retained: RevisionRecord[] = await engine.listChanges(0n, 100_000);
          const scopes: WatchScope[] = [
            { project: projects[0] },
            { project: projects[1], prefix: "a/" },
            { project: projects[0], key: "a/x" },
            {},
          ];
          for (const start of startRevisions(current, own, rand)) {
            for (const scope of scopes) {
              const got = await observe(store, scope, start);
              const what = `seed ${seed}, start ${start}, scope ${JSON.stringify(scope)}`;
              if (start <= info.compactRevision) {
                expect(got, what).toEqual({
                  events: [],
                  end: { kind: "compacted", compactRevision: info.compactRevision },
                });
                continue;
              }
              const want = retained
                .filter((r) => r.revision >= start && inScope(scope, r))
                .map((r): Observed["events"][number] => [r.project, r.key, r.revision, r.deleted]);
              expect(got.events, what).toEqual(want);
              expect(got.end.kind, what).toBe("progress");
              if (got.end.kind === "progress") expect(got.end.revision, what).toBe(current);
            }
          }
        }
        const live = new Set<string>();
        const own: bigint[] = [];
        for (let i = 0; i < 40; i++) {
          const project = projects[Math.floor(rand() * projects.length)]!;
          const key = keys[Math.floor(rand() * keys.length)]!;
          const id = `${project}/${key}`;
          const del = live.has(id) && rand() < 0.25;
          const input = del ? deleteKey(project, key) : putJson(project, key, i);
          own.push((await engine.write(input)).revision);
          if (del) live.delete(id);
          else live.add(id);
          // Let the etcd engine drop records out of retention too (the SQL engine already has).
          if (i === 25) await engine.markArchived(await engine.currentRevision());
          // Once early, while revision 1 is still retained on a new store.
          if (i === 5) await checkEveryStart();
        }
        await checkEveryStart();
        // From current + 1, the next write is the first event.
        const current = await engine.currentRevision();
        // A start revision no write has reached yet is refused, never silently skipped to.
        const ahead = await rejection(
          observe(store, { project: projects[0] }, current + 1_000_000n),
        );
        expect(ahead.code).toBe(Code.OutOfRange);
        const ac = new AbortController();
        const stream = store
          .watchKeys({ project: projects[0], startRevision: current + 1n }, { signal: ac.signal })
          [Symbol.asyncIterator]();
        const first = await stream.next();
        expect(first.value?.kind.case).toBe("progress");
        const next = await engine.write(putJson(projects[0]!, "later", 1));
        let delivered: bigint | undefined;
        while (delivered === undefined) {
          const r = await stream.next();
          if (r.done) break;
          if (r.value.kind.case === "events") delivered = r.value.kind.value.events[0]?.kv?.version;
        }
        ac.abort();
        expect(delivered).toBe(next.revision);
      } finally {
        await engine.close();
      }
    }, 120_000);
  });
}
