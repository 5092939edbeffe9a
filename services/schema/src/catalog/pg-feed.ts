import { createBackoff, sleep } from "@guardian/kit";
import pg from "pg";
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
  const stopping = new AbortController();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });
  const checkMs = opts.checkIntervalMs ?? 5_000;
  let listening: pg.Client | undefined;

  const connect = async () => {
    if (stopping.signal.aborted) return;
    const client = new pg.Client({
      connectionString: opts.url,
      application_name: "guardian-catalog-listen",
      connectionTimeoutMillis: 10_000,
      query_timeout: checkMs,
      keepAlive: true,
    });
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (err) opts.onError?.(err);
      if (listening === client) {
        listening = undefined;
        subscribers.emit("all");
      }
      void client.end().catch(() => {});
      if (!stopping.signal.aborted) void sleep(backoff.next(), stopping.signal).then(connect);
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel !== catalogChannel) return;
      subscribers.emit(parseChange(message.payload));
    });
    try {
      await client.connect();
      await listenCatalog(client);
      if (stopping.signal.aborted || lost) return void client.end().catch(() => {});
      listening = client;
      backoff.reset();
      // Whatever was cached before may have changed unheard.
      subscribers.emit("all");
      while (listening === client) {
        await sleep(checkMs, stopping.signal);
        if (listening === client) await checkListener(client);
      }
    } catch (err) {
      onLost(err);
    }
  };
  void connect();

  return {
    live: () => listening !== undefined,
    publish: (change) => subscribers.emit(change),
    subscribe: subscribers.subscribe,
    async close() {
      stopping.abort();
      const client = listening;
      listening = undefined;
      await client?.end().catch(() => {});
    },
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
