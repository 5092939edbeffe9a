import { createBackoff, isPgConnectionLoss, isPgError, pgCodes, sleep } from "@guardian/kit";
import pg from "pg";

/** Options of {@link connectWhenReady}. */
export interface ConnectWhenReadyOptions {
  /** The PostgreSQL URL. */
  url: string;
  /** How long to keep trying while the database cannot be reached yet; 0 tries once. */
  waitMs: number;
  /** `application_name` of the connection. */
  applicationName?: string;
  /**
   * Told when an attempt failed and another follows: what is awaited (host and port, no
   * credentials) and why. Called on the first failure and whenever the reason changes.
   */
  onWait?: (what: { target: string; reason: string; leftMs: number }) => void;
  /** Stops waiting (the last error is thrown). */
  signal?: AbortSignal;
}

// Failures of a database that is not there yet: a server still starting (or restarting), a
// name not yet in DNS (a container that has not started), a port not yet open.
const notYetCodes = [
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  pgCodes.cannotConnectNow,
  pgCodes.adminShutdown,
];

/**
 * Tells whether a failed connection attempt is worth repeating: the database is not reachable
 * yet (refused, reset, timed out, unresolvable, starting up). Authentication failures, a
 * missing database and SQL errors are final.
 */
export function isDatabaseNotReady(err: unknown): boolean {
  return isPgError(err, ...notYetCodes) || isPgConnectionLoss(err);
}

/**
 * Opens one client connection, retrying with exponential backoff (full jitter) for up to
 * `waitMs` while {@link isDatabaseNotReady} says the database is not there yet. Any other
 * failure, and the last one when the time is up, is thrown.
 */
export async function connectWhenReady(opts: ConnectWhenReadyOptions): Promise<pg.Client> {
  const deadline = Date.now() + opts.waitMs;
  const backoff = createBackoff({ initialMs: 100, maxMs: 2_000 });
  let lastReason: string | undefined;
  for (;;) {
    const client = new pg.Client({
      connectionString: opts.url,
      application_name: opts.applicationName ?? "guardian",
      connectionTimeoutMillis: 10_000,
    });
    // A server-side termination after the work is done must not crash the process.
    client.on("error", () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      const leftMs = deadline - Date.now();
      if (!isDatabaseNotReady(err) || leftMs <= 0 || opts.signal?.aborted) throw err;
      const reason = describeFailure(err);
      if (reason !== lastReason) {
        lastReason = reason;
        opts.onWait?.({ target: targetOf(opts.url), reason, leftMs });
      }
      await sleep(Math.min(backoff.next(), leftMs), opts.signal);
    }
  }
}

/** The host and port a URL names, without credentials or options. */
function targetOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "the database";
  }
}

function describeFailure(err: unknown): string {
  const code =
    typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not resolvable yet";
    case pgCodes.cannotConnectNow:
      return "the database system is starting up";
    case pgCodes.adminShutdown:
      return "the database system is shutting down";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
