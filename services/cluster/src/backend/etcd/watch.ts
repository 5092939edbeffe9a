import type { Etcd3, IKeyValue, IWatchResponse, WatchBuilder, Watcher } from "etcd3";
import { ClusterError } from "../errors.js";

/** How long etcd may take to accept a watch, unless told otherwise. */
export const defaultWatchCreateMs = 5_000;

/**
 * Creates the watch of `builder`, failing with `unavailable` when etcd has not accepted it
 * within `timeoutMs`: the client keeps retrying a watch it cannot create (etcd down, no
 * member reachable) without end, which would hold the call that asked for it as long.
 */
export async function createWatch(builder: WatchBuilder, timeoutMs: number): Promise<Watcher> {
  const watcher = builder.watcher();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        watcher.once("connected", () => resolve());
        watcher.once("error", reject);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ClusterError("unavailable", `etcd did not accept a watch within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      }),
    ]);
    return watcher;
  } catch (err) {
    await watcher.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The events of one watch response, all committed at or below `revision`. */
export interface WatchBatch {
  revision: bigint;
  events: Array<{ type: "put" | "delete"; kv: IKeyValue; prev?: IKeyValue }>;
}

/**
 * Keeps a watcher's resume point at the first revision it has not delivered yet, and returns
 * what updates it from each response. The etcd3 client resumes a broken watch from the header
 * revision of the last response it received plus one: the store's revision when the watch was
 * created or answered, not the last event delivered. A watch that broke before delivering its
 * backlog (a start in the past, a slow stream) would resume past events it never delivered.
 * The client updates its resume point in its own listeners, which run first; this sets it
 * again after them (and at once: call it right after `create()` resolves).
 */
export function pinResumeRevision(
  watcher: Watcher,
  fromRevision: bigint,
): (res: IWatchResponse) => void {
  let next = fromRevision;
  const pin = () => {
    watcher.request.start_revision = next.toString();
  };
  // create() resolved after the first connection, whose answer the client has applied.
  pin();
  watcher.on("connected", pin);
  return (res) => {
    for (const e of res.events) {
      const after = BigInt(e.kv.mod_revision) + 1n;
      if (after > next) next = after;
    }
    pin();
  };
}

/**
 * Watches every key under `prefix` from `fromRevision` (inclusive) until `signal` aborts,
 * yielding batches in revision order (failing with `unavailable` when etcd does not accept
 * the watch in time, see {@link createWatch}). A broken watch resumes from the first revision it has
 * not delivered (see {@link pinResumeRevision}). A consumer that falls more than `bufferSize`
 * batches behind is cut off with a slow_consumer error, so it never holds events for the
 * others.
 */
export async function* watchPrefix(
  client: Etcd3,
  prefix: string,
  fromRevision: bigint,
  signal: AbortSignal,
  opts: { bufferSize?: number; onBatch?: () => void; createTimeoutMs?: number } = {},
): AsyncGenerator<WatchBatch> {
  const bufferSize = opts.bufferSize ?? 1024;
  const queue: WatchBatch[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const watcher = await createWatch(
    client.watch().prefix(prefix).startRevision(fromRevision.toString()).withPreviousKV(),
    opts.createTimeoutMs ?? defaultWatchCreateMs,
  );
  const delivered = pinResumeRevision(watcher, fromRevision);
  watcher.on("data", (res) => {
    delivered(res);
    if (res.events.length === 0 || failure) return;
    if (queue.length >= bufferSize) {
      failure = new ClusterError(
        "slow_consumer",
        `the stream fell more than ${bufferSize} changes behind; open it again`,
        { bufferSize },
      );
      queue.length = 0;
    } else {
      queue.push({
        revision: BigInt(res.header.revision),
        events: res.events.map((e) => ({
          type: e.type === "Delete" ? "delete" : "put",
          kv: e.kv,
          prev: e.prev_kv ?? undefined,
        })),
      });
    }
    opts.onBatch?.();
    wake?.();
  });
  watcher.on("error", (err) => {
    failure ??= err;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      const batch = queue.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (failure) throw failure;
      if (signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    await watcher.cancel().catch(() => {});
  }
}

/**
 * Calls `onChange` for every change under `prefix` from `fromRevision` on, until the returned
 * function is called. For waiters that only need a wake-up and re-read the state themselves.
 */
export async function onChanges(
  client: Etcd3,
  prefix: string,
  fromRevision: bigint,
  onChange: () => void,
  createTimeoutMs = defaultWatchCreateMs,
): Promise<() => void> {
  const watcher = await createWatch(
    client.watch().prefix(prefix).startRevision(fromRevision.toString()),
    createTimeoutMs,
  );
  const delivered = pinResumeRevision(watcher, fromRevision);
  watcher.on("data", (res) => {
    delivered(res);
    onChange();
  });
  // A failed watch wakes the waiter too; it re-reads and waits on its timer from then on.
  watcher.on("error", () => onChange());
  return () => {
    watcher.cancel().catch(() => {});
  };
}
