import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from "etcd3";

/** gRPC metadata, as far as this file uses it. */
interface Metadata {
  clone(): Metadata;
  set(key: string, value: string): void;
}

/**
 * The parts of the etcd3 client's connection pool used here. The pool is not part of the
 * client's public API, which gives a Watch stream no way to carry metadata.
 */
interface WatchPool {
  withConnection<T>(
    service: "Watch",
    fn: (connection: {
      resource: unknown;
      client: { watch(metadata: Metadata, options: object): WatchStream };
      metadata: Metadata;
    }) => T | Promise<T>,
  ): Promise<T>;
  markFailed(resource: unknown, error: Error): void;
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse> & { writable: boolean };

/**
 * Opens a Watch stream (as `client.watchClient.watch()` does) that its etcd member ends
 * with "no leader" once it has had no leader for a few election timeouts: the `hasleader`
 * metadata etcd's own Go client sends for `WithRequireLeader`. Without it, a member cut off
 * from the others (a network partition) keeps the stream open and silent while the majority
 * commits writes, and the watcher cannot tell that from a quiet keyspace; with it, the
 * watcher sees the stream fail and opens it again on a member that has a leader (the
 * client marks the failed member, as it does for its own streams).
 */
export function watchRequiringLeader(
  client: Etcd3,
): Promise<IDuplexStream<IWatchRequest, IWatchResponse>> {
  const pool = (client as unknown as { pool: WatchPool }).pool;
  return pool.withConnection("Watch", ({ resource, client: service, metadata }) => {
    const withLeader = metadata.clone();
    withLeader.set("hasleader", "true");
    const stream = service.watch(withLeader, {});
    stream.on("error", (err: Error) => {
      if (stream.writable) pool.markFailed(resource, err);
    });
    return stream;
  });
}

/**
 * Makes every watch the client's own watch manager opens (`client.watch()…create()`) require
 * a leader too: a member that lost its leader ends the shared stream, and the manager opens it
 * again, on another member, with backoff, resuming each watcher where it was. The manager is
 * not part of the client's public API; it only ever asks its Watch client for a new stream.
 */
export function requireLeaderForWatches(client: Etcd3): void {
  const manager = (client as unknown as { watchManager: { client: unknown } }).watchManager;
  manager.client = { watch: () => watchRequiringLeader(client) };
}
