import { createBackoff, sleep } from "@guardian/kit";
import type pg from "pg";
import { listenForAccessChanges } from "../sql/access-epoch.js";
import type { AccessChangesFeed } from "./access-changes.js";
import { hearNotification } from "./notifications.js";

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
