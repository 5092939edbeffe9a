import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import type { Interceptor } from "@connectrpc/connect";
import { codeName, observeCall } from "../rpc/observe-call.js";

/** Latency buckets in seconds, from 1ms to 30s (streams land in the top buckets). */
export const rpcDurationBuckets: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * Registers the RED metrics for RPCs in `registry` and returns the interceptor that records them.
 *
 * - `guardian_rpc_requests_total{service,method,code}`: finished calls by code
 * - `guardian_rpc_duration_seconds{service,method}`: call duration
 * - `guardian_rpc_in_flight{service,method}`: calls in progress
 *
 * A streaming call counts when its stream ends.
 */
export function createRpcMetricsInterceptor(registry: Registry): Interceptor {
  const requests = new Counter({
    name: "guardian_rpc_requests_total",
    help: "RPCs finished, by service, method and status code.",
    labelNames: ["service", "method", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "guardian_rpc_duration_seconds",
    help: "RPC duration in seconds; for streams, until the stream ends.",
    labelNames: ["service", "method"] as const,
    buckets: [...rpcDurationBuckets],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "guardian_rpc_in_flight",
    help: "RPCs in progress, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
  });
  return (next) => async (req) => {
    const labels = { service: req.service.typeName, method: req.method.name };
    const started = process.hrtime.bigint();
    inFlight.inc(labels);
    return observeCall(next, req, {
      onEnd(err) {
        inFlight.dec(labels);
        duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        requests.inc({ ...labels, code: codeName(err?.code) });
      },
    });
  };
}
