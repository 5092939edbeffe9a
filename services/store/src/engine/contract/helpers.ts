import { waitFor } from "@guardian/testkit";
import { putJson, testMeta } from "../../testing/writes.js";
import { StoreError } from "../errors.js";
import type { RevisionRecord, StoreEngine, WatchItem, WatchScope, WriteInput } from "../types.js";

/** Engine settings every contract run uses, so retention and slow-consumer cases are reachable. */
export const contractEngineOptions = {
  retainPerConfig: 3,
  watchBufferSize: 16,
  minRevisionTimeoutMs: 300,
};

/** A put of a JSON value by "alice" (request id "req"), with optional extra write fields. */
export function put(
  project: string,
  key: string,
  value: unknown,
  extra: Partial<WriteInput> = {},
): WriteInput {
  return putJson(project, key, value, { meta: testMeta({ requestId: "req" }), ...extra });
}

/**
 * Waits until the compact revision reaches `revision`: an engine may apply retention after
 * the write that pushed a record out of it returns (the etcd engine does, in passes).
 */
export async function compactedTo(engine: StoreEngine, revision: bigint): Promise<void> {
  await waitFor(
    async () => ((await engine.compactionInfo()).compactRevision >= revision ? true : undefined),
    { timeoutMs: 10_000, what: `the compact revision to reach ${revision}` },
  );
}

/** Awaits a call that must fail with a StoreError, and returns it. */
export async function storeError(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error("expected a StoreError");
}

/** Collects watch items until `stop` returns true for the collected list. */
export async function collect(
  engine: StoreEngine,
  scope: WatchScope,
  start: bigint,
  stop: (items: WatchItem[]) => boolean,
  progressIntervalMs = 50,
): Promise<WatchItem[]> {
  const ac = new AbortController();
  const items: WatchItem[] = [];
  const timer = setTimeout(() => ac.abort(new Error("watch timed out")), 10_000);
  try {
    for await (const item of engine.watch(scope, start, ac.signal, progressIntervalMs)) {
      items.push(item);
      if (stop(items)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

/** The revision records of the events among watch items. */
export const events = (items: WatchItem[]): RevisionRecord[] =>
  items.flatMap((i) => (i.kind === "events" ? i.events : []));
