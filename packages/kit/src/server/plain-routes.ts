import type { NodeRequest, NodeResponse } from "./node-http.js";
import type { Health } from "../health/health.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { metricsContentType } from "../metrics/metrics.js";

/** A plain HTTP handler for GET (and HEAD) requests on one exact path. */
export type HttpRoute = (req: NodeRequest, res: NodeResponse) => void | Promise<void>;

/**
 * A static site served beside the RPCs (the web console): answers a request for `path` and
 * returns true, or returns false to leave it to the server.
 */
export type StaticSite = (req: NodeRequest, res: NodeResponse, path: string) => boolean;

/** What {@link createPlainRoutes} needs. */
export interface PlainRoutesOptions {
  health: Health;
  metrics: Metrics;
  logger: Logger;
  httpRoutes?: Readonly<Record<string, HttpRoute>>;
}

/**
 * Builds the table of plain HTTP endpoints: `/healthz` (liveness), `/readyz` (readiness checks,
 * 503 when one fails), `/metrics` (Prometheus text) and any extra routes.
 *
 * Returns a function that serves the request and returns true, or returns false when no plain
 * route has that path.
 */
export function createPlainRoutes(
  opts: PlainRoutesOptions,
): (req: NodeRequest, res: NodeResponse, path: string) => boolean {
  const routes = new Map<string, HttpRoute>([
    ["/healthz", (_req, res) => send(res, 200, "text/plain; charset=utf-8", "ok\n")],
    [
      "/readyz",
      async (_req, res) => {
        const report = await opts.health.runReadiness();
        send(res, report.ok ? 200 : 503, "application/json", JSON.stringify(report));
      },
    ],
    [
      "/metrics",
      async (_req, res) => send(res, 200, metricsContentType, await opts.metrics.render()),
    ],
    ...Object.entries(opts.httpRoutes ?? {}),
  ]);
  return (req, res, path) => {
    const route = routes.get(path);
    if (route === undefined) {
      return false;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
      return true;
    }
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: unknown) => {
        opts.logger.error({ err, path }, "http route failed");
        if (!res.headersSent) {
          send(res, 500, "text/plain; charset=utf-8", "internal error\n");
        } else {
          res.end();
        }
      });
    return true;
  };
}

function send(res: NodeResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}
