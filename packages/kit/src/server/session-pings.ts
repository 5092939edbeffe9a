import type { ServerHttp2Session } from "node:http2";
import type { Logger } from "../logging/logger.js";

/** How often a server pings each client connection, and how long an answer may take. */
export interface SessionPingOptions {
  /** Default 30 s. */
  intervalMs?: number;
  /** Default 10 s. */
  timeoutMs?: number;
}

/**
 * Pings an HTTP/2 client connection every `intervalMs`, and destroys it when a ping goes
 * unanswered for `timeoutMs`. A client that vanished without closing its connection (a dead
 * host, a dropped NAT entry, a frozen process) would otherwise keep its streams open, and
 * with them their memory and their share of the server's open-call limit, until TCP gave up
 * on the unacknowledged data many minutes later (or never, for an idle connection). Its
 * streams' handlers see their signal abort as the connection goes.
 */
export function pingSession(
  session: ServerHttp2Session,
  opts: SessionPingOptions,
  logger: Logger,
): void {
  const intervalMs = opts.intervalMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let waiting: NodeJS.Timeout | undefined;
  const tick = setInterval(() => {
    if (waiting || session.destroyed || session.closed) return;
    waiting = setTimeout(() => {
      logger.info({ timeoutMs }, "a client connection did not answer a ping; closing it");
      session.destroy();
    }, timeoutMs);
    try {
      session.ping(() => {
        clearTimeout(waiting);
        waiting = undefined;
      });
    } catch {
      // Too many pings outstanding or the session is closing: try again on the next tick.
      clearTimeout(waiting);
      waiting = undefined;
    }
  }, intervalMs);
  tick.unref();
  session.once("close", () => {
    clearInterval(tick);
    clearTimeout(waiting);
  });
}
