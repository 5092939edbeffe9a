import { createBackoff, sleep } from "@guardian/kit";
import pg from "pg";
import { listenForAccessChanges, selectAccessEpoch } from "../sql/access-epoch.js";
import type { AccessChangesFeed } from "./access-changes.js";
import { hearNotification } from "./notifications.js";

/** Options of {@link startListenConnection}. */
export interface ListenConnectionOptions {
  /** The PostgreSQL URL to listen on (the database of the pool). */
  url: string;
  /**
   * How often the connection reads the access epoch, both to prove it is alive (a connection
   * that died silently is given up after `heartbeatMs` more) and to catch any change missed.
   */
  heartbeatMs: number;
  /** Receives connection failures; the connection is re-opened with backoff. */
  onError?: (err: unknown) => void;
}

/** A running {@link startListenConnection}. */
export interface ListenConnection {
  /** Ends the connection; the feed stops being live. */
  close(): Promise<void>;
}

/**
 * Opens the process's dedicated LISTEN connection and keeps it open: the feed is live from
 * the moment it listens (having read the epoch) until it is lost, and is re-opened with
 * backoff after a loss. Each reconnection counts as a change, since notifications may have
 * been missed meanwhile.
 */
export function startListenConnection(
  feed: AccessChangesFeed,
  opts: ListenConnectionOptions,
): ListenConnection {
  const stopping = new AbortController();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });
  let current: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (stopping.signal.aborted) return;
    const client = new pg.Client({
      connectionString: opts.url,
      application_name: "guardian-access-listen",
      keepAlive: true,
      connectionTimeoutMillis: opts.heartbeatMs * 2,
      query_timeout: opts.heartbeatMs * 2,
    });
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (current === client) {
        current = undefined;
        clearInterval(heartbeat);
        feed.disconnected();
      }
      if (err !== undefined && !stopping.signal.aborted) opts.onError?.(err);
      void client.end().catch(() => {});
      if (!stopping.signal.aborted) void sleep(backoff.next(), stopping.signal).then(connect);
    };
    client.on("error", lose);
    client.on("end", () => lose());
    // Heard from LISTEN on, so that nothing between it and `connected` is dropped.
    client.on("notification", (msg) => {
      if (!lost) hearNotification(feed, msg);
    });
    try {
      await client.connect();
      await listenForAccessChanges(client);
      // Read after LISTEN: a change committed since is either in this epoch or announced.
      const epoch = await selectAccessEpoch(client);
      if (lost) return;
      if (stopping.signal.aborted) return void client.end().catch(() => {});
      current = client;
      backoff.reset();
      feed.connected(epoch);
      let beating = false;
      heartbeat = setInterval(() => {
        // One heartbeat at a time: a slow one is given up by the query timeout.
        if (beating) return;
        beating = true;
        selectAccessEpoch(client)
          .then((e) => {
            if (current === client) feed.heard(e);
          }, lose)
          .finally(() => (beating = false));
      }, opts.heartbeatMs);
      heartbeat.unref();
    } catch (err) {
      lose(err);
    }
  };

  void connect();
  return {
    async close() {
      stopping.abort();
      clearInterval(heartbeat);
      const client = current;
      current = undefined;
      feed.disconnected();
      await client?.end().catch(() => {});
    },
  };
}
