import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  ConfigService,
  WatchRequestSchema,
  WatchResponseSchema,
  type WatchRequest,
  type WatchResponse,
} from "@guardian/api";
import { Etcd3 } from "etcd3";
import type { Deployment } from "../env/deployment.js";
import type { DeliveryTracker } from "./delivery.js";
import { etcdPrefix } from "./etcd-peer.js";
import { benchProject, watchKey } from "./fixture.js";

/** Streams per HTTP/2 connection (Guardian) or per client (etcd). */
export const streamsPerConnection = 1_000;

/** Streams opened at once; the next batch waits until these are open. */
const openBatch = 500;

/** Open watchers; `close()` ends them all. */
export interface Watchers {
  close(): Promise<void>;
}

const watchPath = `/${ConfigService.typeName}/${ConfigService.method.watch.name}`;
const encodeRequest = (r: WatchRequest) => Buffer.from(toBinary(WatchRequestSchema, r));
const decodeResponse = (b: Buffer) => fromBinary(WatchResponseSchema, b);

/**
 * Opens one Watch from `startRevision` on a grpc-js channel and reads it until it ends:
 * resolves at its end, rejects with its error, cancels it when `signal` aborts.
 */
function watchOnce(
  channel: grpc.Client,
  apiKey: string,
  startRevision: bigint,
  signal: AbortSignal,
  onMessage: (m: WatchResponse) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata();
    metadata.set("x-api-key", apiKey);
    const request = create(WatchRequestSchema, {
      project: benchProject,
      target: { case: "key", value: watchKey },
      startRevision,
    });
    const call = channel.makeServerStreamRequest(
      watchPath,
      encodeRequest,
      decodeResponse,
      request,
      metadata,
    );
    const cancel = () => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    const settle = (err?: Error) => {
      signal.removeEventListener("abort", cancel);
      if (err) reject(err);
      else resolve();
    };
    call.on("data", onMessage);
    call.on("error", settle);
    call.on("end", () => settle());
  });
}

/**
 * Runs one Guardian watch the way a client should: from now, and after an error re-opened
 * from the last revision it saw (changes and bookmarks), so it never misses or repeats.
 * `opened` is called on the first message (the server sends a bookmark when a stream opens).
 */
async function watchForever(
  channel: grpc.Client,
  apiKey: string,
  signal: AbortSignal,
  tracker: DeliveryTracker,
  opened: () => void,
): Promise<void> {
  let seen = 0n;
  const onMessage = (msg: WatchResponse) => {
    opened();
    if (msg.kind.case === "change") {
      seen = msg.kind.value.revision;
      tracker.record(String(seen));
    } else if (msg.kind.case === "bookmark" && msg.kind.value.revision > seen) {
      seen = msg.kind.value.revision;
    }
  };
  while (!signal.aborted) {
    try {
      await watchOnce(channel, apiKey, seen === 0n ? 0n : seen + 1n, signal, onMessage);
    } catch (error) {
      if (signal.aborted) return;
      tracker.failures.push(String(error));
      await sleep(200 + Math.random() * 800, undefined, { signal }).catch(() => {});
    }
  }
}

/**
 * Opens `n` Guardian Watch streams on `watchKey`, from now, with the read API key, over gRPC
 * on HTTP/2 ({@link streamsPerConnection} streams per connection), {@link openBatch} at a
 * time, and resolves once every stream is open (or throws after a budget of 60 s + 20 ms
 * a stream). The client is grpc-js, the gRPC library of the etcd3 client that reads etcd's
 * side, so both sides' watchers cost the bench process the same per message.
 */
export async function openGuardianWatchers(
  dep: Deployment,
  n: number,
  tracker: DeliveryTracker,
): Promise<Watchers> {
  const abort = new AbortController();
  // Every stream listens on the one signal.
  setMaxListeners(0, abort.signal);
  // One HTTP/2 connection per channel: a channel of its own subchannel pool.
  const target = new URL(dep.url).host;
  const clients = Array.from(
    { length: Math.ceil(n / streamsPerConnection) },
    () =>
      new grpc.Client(target, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      }),
  );
  const running: Promise<void>[] = [];
  const close = async () => {
    abort.abort();
    await Promise.allSettled(running);
    for (const client of clients) client.close();
  };
  // Bounded: a server that opens streams too slowly fails the figure instead of stalling it.
  const budgetMs = 60_000 + n * 20;
  const deadline = Date.now() + budgetMs;
  try {
    for (let first = 0; first < n; first += openBatch) {
      const batch = Array.from({ length: Math.min(openBatch, n - first) }, (_, j) => {
        const client = clients[Math.floor((first + j) / streamsPerConnection)]!;
        return new Promise<void>((opened) => {
          running.push(watchForever(client, dep.fixture.apiKey, abort.signal, tracker, opened));
        });
      });
      const left = Math.max(0, deadline - Date.now());
      const timer = new AbortController();
      const timeout = sleep(left, "timeout" as const, { signal: timer.signal }).catch(() => {});
      const outcome = await Promise.race([Promise.all(batch).then(() => "open" as const), timeout]);
      timer.abort();
      if (outcome === "timeout") {
        throw new Error(`only ${first} of ${n} streams open after ${budgetMs / 1000} s`);
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}

/**
 * Opens `n` etcd watches on the same key, from now, with the etcd3 client,
 * {@link streamsPerConnection} watches per client (one gRPC watch stream each).
 */
export async function openEtcdWatchers(
  endpoints: string[],
  n: number,
  tracker: DeliveryTracker,
): Promise<Watchers> {
  const clients = Array.from(
    { length: Math.ceil(n / streamsPerConnection) },
    () => new Etcd3({ hosts: endpoints }),
  );
  const watchers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const client = clients[Math.floor(i / streamsPerConnection)]!;
      const watcher = await client
        .watch()
        .key(etcdPrefix + watchKey)
        .create();
      watcher.on("put", (kv) => tracker.record(String(kv.mod_revision)));
      watcher.on("error", (err) => tracker.failures.push(String(err)));
      return watcher;
    }),
  );
  return {
    async close() {
      await Promise.allSettled(watchers.map((w) => w.cancel()));
      for (const client of clients) client.close();
    },
  };
}
