import {
  createHealth,
  createMetrics,
  createServer,
  registerDependencyMetrics,
  type Logger,
  type Server,
} from "@guardian/kit";
import type { RateLimitBackend } from "./backend/backend.js";
import type { LimitsConfig } from "./limits/config.js";
import { createRateLimiter, type RateLimiter } from "./limiter.js";
import { createRateLimitMetrics, type RateLimitMetrics } from "./rls/metrics.js";
import { createRateLimitRoutes } from "./rls/routes.js";
import type { FailureMode } from "./settings.js";

/** Options for {@link createRatelimitServer}. */
export interface RatelimitServerOptions {
  /** The domains and their descriptor trees; `limiter.setLimits` replaces them. */
  limits: LimitsConfig | readonly LimitsConfig[];
  backend: RateLimitBackend;
  failureMode: FailureMode;
  logger: Logger;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; `0` (the default) picks a free port. */
  port?: number;
  /** How long close() waits for calls. Default 10 s. */
  shutdownTimeoutMs?: number;
}

/** A rate limit server and the limiter behind it. */
export interface RatelimitServer {
  readonly server: Server;
  readonly limiter: RateLimiter;
  /** The rate limit metrics, for the reload of the limits files to report into. */
  readonly metrics: RateLimitMetrics;
}

/** Logs a backend failure, or a shadow-mode limit exceeded, at most once per this interval. */
const errorLogIntervalMs = 10_000;

/** Most limits whose last shadow-mode log time is remembered. */
const maxShadowLogged = 1_000;

/**
 * Creates the rate limit server on kit's platform: Envoy's RateLimitService over gRPC (h2c),
 * plus gRPC health (`envoy.service.ratelimit.v3.RateLimitService` reports SERVING),
 * `/healthz`, `/readyz` and `/metrics`.
 *
 * Readiness does not depend on Redis: while Redis is down the service still answers, with
 * the configured failure mode, so Envoy gets a deliberate answer instead of an error.
 */
export function createRatelimitServer(opts: RatelimitServerOptions): RatelimitServer {
  const { logger } = opts;
  const health = createHealth();
  const metrics = createMetrics();
  const rlMetrics = createRateLimitMetrics(metrics.registry);
  const connected = opts.backend.connected?.bind(opts.backend);
  // Redis reachability, beside Guardian's own dependencies; readiness stays independent of it.
  registerDependencyMetrics(metrics.registry, () =>
    connected ? [{ name: "redis", ok: connected() }] : [],
  );
  let lastErrorLog = 0;
  const shadowLogged = new Map<string, number>();
  const limiter = createRateLimiter({
    limits: opts.limits,
    backend: opts.backend,
    failureMode: opts.failureMode,
    onVerdict(limit, verdict, entries) {
      rlMetrics.onVerdict(limit, verdict, entries);
      if (verdict.shadowed !== true) return;
      const now = Date.now();
      if (now - (shadowLogged.get(limit.name) ?? 0) < errorLogIntervalMs) return;
      if (shadowLogged.size >= maxShadowLogged) shadowLogged.clear();
      shadowLogged.set(limit.name, now);
      logger.info(
        { limit: limit.name, requestsPerUnit: limit.requestsPerUnit, unit: limit.unit },
        "shadow mode limit exceeded (answered OK)",
      );
    },
    onBackendError(err) {
      rlMetrics.onBackendError(err);
      const now = Date.now();
      if (now - lastErrorLog >= errorLogIntervalMs) {
        lastErrorLog = now;
        logger.warn({ err, failureMode: opts.failureMode }, "rate limit backend unavailable");
      }
    },
  });
  const server = createServer({
    routes: createRateLimitRoutes({ limiter }),
    host: opts.host,
    port: opts.port,
    logger,
    health,
    metrics,
    shutdownTimeoutMs: opts.shutdownTimeoutMs,
  });
  return { server, limiter, metrics: rlMetrics };
}
