import { Registry, collectDefaultMetrics } from "prom-client";
import type { Interceptor } from "@connectrpc/connect";
import { createObservingInterceptor, type CallObserver } from "../rpc/observe-call.js";
import { createRpcMetricsObserver } from "./rpc-metrics.js";

/** The content type of the Prometheus text exposition format served at `/metrics`. */
export const metricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Collect process and Node.js runtime metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
}

/** A metrics registry with the RPC interceptor that feeds it. */
export interface Metrics {
  /** The prom-client registry; register service-specific metrics here with `registers: [registry]`. */
  readonly registry: Registry;
  /** Records RED metrics for every RPC; put it first in the interceptor list. */
  readonly interceptor: Interceptor;
  /** The same as a call observer, to share one wrapper per call with other observers. */
  readonly observer: CallObserver;
  /** Renders all metrics in the Prometheus text exposition format. */
  render(): Promise<string>;
}

/**
 * Creates a private metrics registry with RPC RED metrics and, by default, process metrics.
 *
 * Nothing is global: two servers in one process each get their own registry.
 */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
  }
  const observer = createRpcMetricsObserver(registry);
  return {
    registry,
    interceptor: createObservingInterceptor([observer]),
    observer,
    render: () => registry.metrics(),
  };
}
