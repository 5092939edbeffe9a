import {
  type Admission,
  type DependencyCheck,
  createHealth,
  createLogger,
  createMetrics,
  createPageTokenSigner,
  createServer,
  onShutdown,
  registerDependencyMetrics,
  type Metrics,
  type HttpRoute,
  type Logger,
  type ServerAddress,
  type StaticSite,
  type ShutdownStep,
} from "@guardian/kit";
import type { Interceptor } from "@connectrpc/connect";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import type { HostedService } from "./services.js";

/** What {@link runServer} needs: process settings, services, readiness checks, cleanup. */
export interface RunServerOptions {
  settings: {
    host: string;
    port: number;
    maxRequestBytes: number;
    /** Calls served at once; one more gets ResourceExhausted. */
    maxOpenCalls: number;
    shutdownTimeoutMs: number;
    trustedProxyHops: number;
    /** Signs page tokens; shared by every process of a deployment. */
    pageTokenSecret: string;
    /** Pause between two rounds of dependency checks. */
    readinessIntervalMs: number;
    /** How long one dependency check may take. */
    readinessTimeoutMs: number;
  };
  logger: Logger;
  services: HostedService[];
  /** Interceptors after the platform's own (authentication, rate limits). */
  interceptors?: Interceptor[];
  /** The header-only check run before a call's body is read (authentication's). */
  admit?: Admission;
  /** Extra plain HTTP GET endpoints (well-known issuer documents). */
  httpRoutes?: Record<string, HttpRoute>;
  /** A static site on the same port (the web console). */
  site?: StaticSite;
  /**
   * What the process needs to do useful work (PostgreSQL, etcd, the store service), checked in
   * the background: readiness and gRPC health follow them.
   */
  dependencies?: DependencyCheck[];
  /** Cleanup run after the server stopped, in order (for example, close the pool). */
  cleanup?: ShutdownStep[];
  /** The process's metrics, when its services registered their own; default a new registry. */
  metrics?: Metrics;
  /** Where shutdown requests come from; default this process's SIGTERM and SIGINT. */
  stopSignals?: Pick<NodeJS.EventEmitter, "on" | "off">;
}

/**
 * Serves the given services on one port until SIGTERM/SIGINT, then shuts down gracefully:
 * stop accepting, drain calls and streams, run the cleanup steps. Dependencies are checked
 * once before the server listens (so a process whose dependencies answer is ready as soon as
 * it listens) and then every `readinessIntervalMs`.
 */
export async function runServer(opts: RunServerOptions): Promise<ServerAddress> {
  const health = createHealth();
  await health.monitorDependencies(opts.dependencies ?? [], {
    intervalMs: opts.settings.readinessIntervalMs,
    timeoutMs: opts.settings.readinessTimeoutMs,
  });
  const metrics = opts.metrics ?? createMetrics();
  registerDependencyMetrics(metrics.registry, () => health.dependencyResults());
  const server = createServer({
    routes: (router) => {
      for (const s of opts.services) s.routes(router);
    },
    fastRoutes: opts.services.flatMap((s) => s.fastRoutes ?? []),
    host: opts.settings.host,
    port: opts.settings.port,
    maxRequestBytes: opts.settings.maxRequestBytes,
    maxOpenCalls: opts.settings.maxOpenCalls,
    shutdownTimeoutMs: opts.settings.shutdownTimeoutMs,
    trustedProxyHops: opts.settings.trustedProxyHops,
    ...(opts.admit ? { admit: opts.admit } : {}),
    logger: opts.logger,
    health,
    metrics,
    interceptors: opts.interceptors ?? [],
    httpRoutes: opts.httpRoutes ?? {},
    ...(opts.site ? { site: opts.site } : {}),
    pageTokenSigner: createPageTokenSigner(opts.settings.pageTokenSecret),
  });
  const address = await server.listen();
  for (const s of opts.services) health.setStatus(s.typeName, ServingStatus.SERVING);
  onShutdown(
    opts.logger,
    [{ name: "stop server and drain calls", run: () => server.close() }, ...(opts.cleanup ?? [])],
    {
      timeoutMs: opts.settings.shutdownTimeoutMs + 5_000,
      ...(opts.stopSignals ? { target: opts.stopSignals } : {}),
    },
  );
  return address;
}

/** Creates the process logger from the common settings. */
export function processLogger(
  settings: { logLevel: string; logFormat: string },
  name: string,
): Logger {
  return createLogger({
    level: settings.logLevel as "info",
    pretty: settings.logFormat === "pretty",
    name,
  });
}
