import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logging/logger.js";
import { createPredecodedInterceptor } from "../offload/restore.js";
import { createLoggingObserver } from "../logging/rpc-logging.js";
import type { Metrics } from "../metrics/metrics.js";
import { createObservingInterceptor } from "../rpc/observe-call.js";
import { createStreamShutdownInterceptor } from "../rpc/stream-shutdown.js";
import { createTextCheckInterceptor } from "../rpc/text-check.js";
import { createServerTracingInterceptor } from "../tracing/rpc-tracing.js";

/**
 * The interceptor chain every RPC of a server runs through, outermost first: restoring the
 * documents decoded off the event loop (see `offload/`), tracing (all of
 * a call runs in its span), metrics, logging, ending streams at shutdown, the text check, then
 * the server's own (authentication, authorization, rate limits).
 */
export function serverInterceptors(opts: {
  logger: Logger;
  metrics: Metrics;
  shutdownSignal: AbortSignal;
  extra?: Interceptor[];
}): Interceptor[] {
  const { logger } = opts;
  return [
    // Documents decoded off the event loop go back into the message before anyone reads it.
    createPredecodedInterceptor(),
    createServerTracingInterceptor(),
    // Metrics and logging share one wrapper per call and per stream.
    createObservingInterceptor([
      opts.metrics.observer,
      createLoggingObserver((level) => logger.isLevelEnabled(level)),
    ]),
    createStreamShutdownInterceptor(opts.shutdownSignal),
    // Before authentication: a request PostgreSQL could not store writes nothing, not even
    // the audit event of a denial.
    createTextCheckInterceptor(),
    ...(opts.extra ?? []),
  ];
}
