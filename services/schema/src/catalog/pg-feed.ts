import { keepListening } from "@guardian/db";
import { catalogChannel, checkListener, listenCatalog } from "../sql/catalog.js";
import { createSubscribers, type CatalogChange, type CatalogFeed } from "./feed.js";

/** Options of {@link createPgCatalogFeed}. */
export interface PgCatalogFeedOptions {
  /** The PostgreSQL the catalog lives in; a dedicated connection listens on it. */
  url: string;
  /** Told when the listening connection fails (it reconnects with backoff). */
  onError?: (err: unknown) => void;
  /**
   * How often the listening connection is checked with a round trip, so that a connection
   * lost without a word (a network partition) stops the cache within about twice this.
   * Default 5 s.
   */
  checkIntervalMs?: number;
}

/**
 * Creates a feed that also hears the changes other processes commit, through a dedicated
 * LISTEN connection that reconnects with backoff. While it is not listening the feed is not
 * live; every (re)connection and every loss tells subscribers "all", since changes may have
 * been missed in between. The connection is checked with a round trip every
 * `checkIntervalMs`, and one that fails or does not answer within that time counts as lost.
 */
export function createPgCatalogFeed(opts: PgCatalogFeedOptions): CatalogFeed {
  const subscribers = createSubscribers();
  const listener = keepListening(
    {
      url: opts.url,
      applicationName: "guardian-catalog-listen",
      checkMs: opts.checkIntervalMs ?? 5_000,
      connectTimeoutMs: 10_000,
      ...(opts.onError ? { onError: opts.onError } : {}),
    },
    {
      ready: listenCatalog,
      // Whatever was cached before may have changed unheard.
      connected: () => subscribers.emit("all"),
      check: checkListener,
      notification(message) {
        if (message.channel === catalogChannel) subscribers.emit(parseChange(message.payload));
      },
      lost: () => subscribers.emit("all"),
    },
  );
  return {
    live: listener.listening,
    publish: (change) => subscribers.emit(change),
    subscribe: subscribers.subscribe,
    close: listener.close,
  };
}

/** Reads a notification's payload; anything unexpected means "forget everything". */
function parseChange(payload: string | undefined): CatalogChange | "all" {
  try {
    const parsed = JSON.parse(payload ?? "") as { project?: unknown; schema?: unknown };
    if (typeof parsed.project !== "string") return "all";
    return typeof parsed.schema === "string"
      ? { project: parsed.project, schema: parsed.schema }
      : { project: parsed.project };
  } catch {
    return "all";
  }
}
