import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import type { DescMethod } from "@bufbuild/protobuf";
import type { Code, Interceptor } from "@connectrpc/connect";
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
  // Label children are looked up once per method (and code), not on every call.
  const byMethod = new WeakMap<DescMethod, MethodMetrics>();
  const metricsOf = (service: string, method: DescMethod): MethodMetrics => {
    let m = byMethod.get(method);
    if (m === undefined) {
      const labels = { service, method: method.name };
      const codes = new Map<Code | undefined, Counter.Internal>();
      m = {
        inFlight: inFlight.labels(labels),
        duration: duration.labels(labels),
        requests(code) {
          let child = codes.get(code);
          if (child === undefined) {
            child = requests.labels({ ...labels, code: codeName(code) });
            codes.set(code, child);
          }
          return child;
        },
      };
      byMethod.set(method, m);
    }
    return m;
  };
  return (next) => async (req) => {
    const m = metricsOf(req.service.typeName, req.method);
    const started = process.hrtime.bigint();
    m.inFlight.inc();
    return observeCall(next, req, {
      onEnd(err) {
        m.inFlight.dec();
        m.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        m.requests(err?.code).inc();
      },
    });
  };
}

interface MethodMetrics {
  inFlight: Gauge.Internal<"service" | "method">;
  duration: Histogram.Internal<"service" | "method">;
  requests(code: Code | undefined): Counter.Internal;
}
