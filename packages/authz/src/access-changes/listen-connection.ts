import { keepListening } from "@guardian/db";
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
  const listener = keepListening(
    {
      url: opts.url,
      applicationName: "guardian-access-listen",
      checkMs: opts.heartbeatMs,
      connectTimeoutMs: opts.heartbeatMs * 2,
      ...(opts.onError ? { onError: opts.onError } : {}),
    },
    {
      async ready(client) {
        await listenForAccessChanges(client);
        // Read after LISTEN: a change committed since is either in this epoch or announced.
        return selectAccessEpoch(client);
      },
      connected: (epoch) => feed.connected(epoch),
      // The heartbeat also catches a change whose notification was missed.
      check: async (client) => feed.heard(await selectAccessEpoch(client)),
      notification: (message) => hearNotification(feed, message),
      lost: () => feed.disconnected(),
    },
  );
  return { close: listener.close };
}
