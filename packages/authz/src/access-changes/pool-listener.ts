import { createBackoff, sleep } from "@guardian/kit";
import type pg from "pg";
import { accessChannel, listenForAccessChanges } from "../sql/access-epoch.js";
import type { AccessChangesFeed } from "./access-changes.js";

/** Parses a notification's payload: the access epoch, or undefined when it is not one. */
export function epochOf(payload: string | undefined): bigint | undefined {
  return payload !== undefined && /^[0-9]{1,19}$/.test(payload) ? BigInt(payload) : undefined;
}

/** Reports a notification on the access channel to `feed`. */
export function hearNotification(feed: AccessChangesFeed, msg: pg.Notification): void {
  if (msg.channel !== accessChannel) return;
  const epoch = epochOf(msg.payload);
  // A payload that is not an epoch still announces a change.
  if (epoch === undefined) feed.changed();
  else feed.heard(epoch);
}

/**
 * Hears access changes on the connections of a pool whose connections all share PGlite's
 * only backend. That backend listens once (with retries), and from then on every change is
 * delivered to whichever connection of the pool is open, within the reply to the statement
 * that committed it, so a change is heard before the call that committed it returns. Every
 * connection is watched from the first time it is checked out. Returns the function that
 * stops.
 */
export function listenOnSharedBackend(
  pool: pg.Pool,
  feed: AccessChangesFeed,
  onError?: (err: unknown) => void,
): () => void {
  const watched = new WeakSet<pg.PoolClient>();
  const onNotification = (msg: pg.Notification) => hearNotification(feed, msg);
  const onAcquire = (client: pg.PoolClient) => {
    if (watched.has(client)) return;
    watched.add(client);
    client.on("notification", onNotification);
  };
  pool.on("acquire", onAcquire);
  const stopping = new AbortController();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });
  const listen = async () => {
    while (!stopping.signal.aborted) {
      try {
        await listenForAccessChanges(pool);
        if (!stopping.signal.aborted) feed.connected();
        return;
      } catch (err) {
        onError?.(err);
        await sleep(backoff.next(), stopping.signal);
      }
    }
  };
  void listen();
  return () => {
    stopping.abort();
    pool.off("acquire", onAcquire);
    feed.disconnected();
  };
}
