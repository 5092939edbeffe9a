import type pg from "pg";
import { accessChannel, listenForAccessChanges } from "../sql/access-epoch.js";
import type { AccessChangesFeed } from "./access-changes.js";

/** Options of {@link listenOnPool}. */
export interface PoolListenerOptions {
  /**
   * The pool's connections share PostgreSQL's only backend (PGlite), which hears every
   * change: the feed is live once that backend listens.
   */
  sharedBackend: boolean;
  /** Receives failures to listen (the feed stops being live until a connection listens). */
  onError?: (err: unknown) => void;
}

/** Parses a notification's payload: the access epoch, or undefined when it is not one. */
export function epochOf(payload: string | undefined): bigint | undefined {
  return payload !== undefined && /^[0-9]{1,19}$/.test(payload) ? BigInt(payload) : undefined;
}

/**
 * Makes every connection of `pool` listen on the access channel, from the first time it is
 * checked out (its LISTEN runs before the caller's first query), and reports what they hear.
 * PostgreSQL delivers a transaction's own notifications to its connection before the
 * COMMIT's reply, so a change this process commits is heard before the call that committed
 * it returns. Returns the function that stops listening for new connections.
 */
export function listenOnPool(
  pool: pg.Pool,
  feed: AccessChangesFeed,
  opts: PoolListenerOptions,
): () => void {
  const listening = new WeakSet<pg.PoolClient>();
  const onNotification = (msg: pg.Notification) => {
    const epoch = msg.channel === accessChannel ? epochOf(msg.payload) : undefined;
    if (epoch !== undefined) feed.heard(epoch);
    // A payload that is not an epoch still announces a change.
    else if (msg.channel === accessChannel) feed.changed();
  };
  const onAcquire = (client: pg.PoolClient) => {
    if (listening.has(client)) return;
    listening.add(client);
    client.on("notification", onNotification);
    listenForAccessChanges(client).then(
      () => {
        if (opts.sharedBackend && !feed.live()) feed.connected();
      },
      (err: unknown) => {
        client.off("notification", onNotification);
        listening.delete(client);
        if (opts.sharedBackend) feed.disconnected();
        opts.onError?.(err);
      },
    );
  };
  pool.on("acquire", onAcquire);
  if (opts.sharedBackend) {
    // Checks a connection out now, so that the backend listens before the first call.
    listenForAccessChanges(pool).catch((err: unknown) => opts.onError?.(err));
  }
  return () => void pool.off("acquire", onAcquire);
}
