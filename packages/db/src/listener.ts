import { createBackoff, sleep } from "@guardian/kit";
import pg from "pg";

/** What a {@link keepListening} connection does at each step of its life. */
export interface ListenerHooks<T> {
  /**
   * Runs on each new connection: issues its LISTEN statements and reads what the listener
   * must know before it counts as listening. A failure counts as a lost connection.
   */
  ready(client: pg.Client): Promise<T>;
  /** The connection listens now, with what `ready` read (not called if it was lost meanwhile). */
  connected(readiness: T): void;
  /** The round trip, every `checkMs`, that proves the connection alive. */
  check(client: pg.Client): Promise<void>;
  /** Each notification, heard from the first LISTEN on, until the connection is lost. */
  notification(message: pg.Notification): void;
  /** The connection that was listening is lost or closed: notifications may be missed. */
  lost(): void;
}

/** Options of {@link keepListening}. */
export interface ListenerOptions {
  /** The PostgreSQL to listen on. */
  url: string;
  /** Names the connection in `pg_stat_activity`. */
  applicationName: string;
  /** How often the connection is checked; a check that fails or takes longer loses it. */
  checkMs: number;
  /** How long connecting may take. */
  connectTimeoutMs: number;
  /** Receives each failure of the connection; it is re-opened with backoff. */
  onError?: (err: unknown) => void;
}

/** A running {@link keepListening} connection. */
export interface Listener {
  /** Whether a connection is listening now (it was ready and is not lost). */
  listening(): boolean;
  /** Ends the connection and stops re-opening it. */
  close(): Promise<void>;
}

/**
 * Keeps one dedicated LISTEN connection open: connects, runs `ready`, reports `connected`,
 * checks the connection every `checkMs`, and after a loss (an error, the end, a failed
 * check) re-opens it with backoff. A connection lost silently is noticed within about twice `checkMs`.
 */
export function keepListening<T>(opts: ListenerOptions, hooks: ListenerHooks<T>): Listener {
  const stopping = new AbortController();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });
  let current: pg.Client | undefined;

  const connect = async (): Promise<void> => {
    if (stopping.signal.aborted) return;
    const client = new pg.Client({
      connectionString: opts.url,
      application_name: opts.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      query_timeout: opts.checkMs,
    });
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (current === client) {
        current = undefined;
        hooks.lost();
      }
      if (err !== undefined && !stopping.signal.aborted) opts.onError?.(err);
      void client.end().catch(() => {});
      if (!stopping.signal.aborted) void sleep(backoff.next(), stopping.signal).then(connect);
    };
    client.on("error", lose);
    client.on("end", () => lose());
    client.on("notification", (message) => {
      if (!lost) hooks.notification(message);
    });
    try {
      await client.connect();
      const readiness = await hooks.ready(client);
      if (lost) return;
      if (stopping.signal.aborted) return void client.end().catch(() => {});
      current = client;
      backoff.reset();
      hooks.connected(readiness);
      while (current === client) {
        await sleep(opts.checkMs, stopping.signal);
        if (current === client) await hooks.check(client);
      }
    } catch (err) {
      lose(err);
    }
  };

  void connect();
  return {
    listening: () => current !== undefined,
    async close() {
      stopping.abort();
      const client = current;
      current = undefined;
      if (client) hooks.lost();
      await client?.end().catch(() => {});
    },
  };
}
