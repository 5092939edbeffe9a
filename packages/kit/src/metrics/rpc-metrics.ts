import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import type { DescMethod } from "@bufbuild/protobuf";
import type { Code, Interceptor } from "@connectrpc/connect";
import { codeName, createObservingInterceptor, type CallObserver } from "../rpc/observe-call.js";

/** Latency buckets in seconds, from 1ms to 30s (streams land in the top buckets). */
export const rpcDurationBuckets: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Registers the RED metrics for RPCs in `registry`; returns the interceptor that records them. */
export function createRpcMetricsInterceptor(registry: Registry): Interceptor {
  return createObservingInterceptor([createRpcMetricsObserver(registry)]);
}

/**
 * Registers the RED metrics for RPCs in `registry` and returns the call observer that records
 * them (see `createObservingInterceptor`).
 *
 * - `guardian_rpc_started_total{service,method}`: calls started
 * - `guardian_rpc_requests_total{service,method,code}`: finished calls by code
 * - `guardian_rpc_duration_seconds{service,method}`: call duration
 * - `guardian_rpc_in_flight{service,method}`: calls in progress
 * - `guardian_rpc_streams_active{service,method}`: server streams open (Watch and the like)
 * - `guardian_rpc_stream_messages_sent_total{service,method}`: messages sent on server streams
 *   (events and bookmarks fanned out to watchers)
 *
 * A streaming call counts as finished when its stream ends.
 */
export function createRpcMetricsObserver(registry: Registry): CallObserver {
  // Call counts and calls in progress are plain numbers on the call path; the metrics read
  // them when scraped (prom-client hashes the labels on every update of a labelled child).
  const methods: MethodMetrics[] = [];
  new Counter({
    name: "guardian_rpc_requests_total",
    help: "RPCs finished, by service, method and status code.",
    labelNames: ["service", "method", "code"] as const,
    registers: [registry],
    collect() {
      for (const m of methods) {
        for (const count of m.codes.values()) {
          if (count.pending === 0) continue;
          this.inc(count.labels, count.pending);
          count.pending = 0;
        }
      }
    },
  });
  new Counter({
    name: "guardian_rpc_started_total",
    help: "RPCs started, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
    collect() {
      for (const m of methods) {
        if (m.started === 0) continue;
        this.inc(m.labels, m.started);
        m.started = 0;
      }
    },
  });
  new Gauge({
    name: "guardian_rpc_streams_active",
    help: "Server-streaming RPCs in progress (watch streams), by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
    collect() {
      for (const m of methods) if (m.streaming) this.set(m.labels, m.inFlight);
    },
  });
  new Counter({
    name: "guardian_rpc_stream_messages_sent_total",
    help: "Messages sent on server streams (watch events and bookmarks), by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
    collect() {
      for (const m of methods) {
        if (m.sent === 0) continue;
        this.inc(m.labels, m.sent);
        m.sent = 0;
      }
    },
  });
  const duration = new Histogram({
    name: "guardian_rpc_duration_seconds",
    help: "RPC duration in seconds; for streams, until the stream ends.",
    labelNames: ["service", "method"] as const,
    buckets: [...rpcDurationBuckets],
    registers: [registry],
  });
  new Gauge({
    name: "guardian_rpc_in_flight",
    help: "RPCs in progress, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
    collect() {
      for (const m of methods) this.set(m.labels, m.inFlight);
    },
  });
  // Label children are looked up once per method (and code), not on every call.
  const byMethod = new WeakMap<DescMethod, MethodMetrics>();
  const metricsOf = (service: string, method: DescMethod): MethodMetrics => {
    let m = byMethod.get(method);
    if (m === undefined) {
      const labels = { service, method: method.name };
      m = {
        labels,
        streaming:
          method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
        started: 0,
        sent: 0,
        inFlight: 0,
        duration: duration.labels(labels),
        codes: new Map(),
      };
      byMethod.set(method, m);
      methods.push(m);
    }
    return m;
  };
  const countOf = (m: MethodMetrics, code: Code | undefined): CodeCount => {
    let count = m.codes.get(code);
    if (count === undefined) {
      count = { labels: { ...m.labels, code: codeName(code) }, pending: 0 };
      m.codes.set(code, count);
    }
    return count;
  };
  return (req) => {
    const m = metricsOf(req.service.typeName, req.method);
    const started = process.hrtime.bigint();
    m.started += 1;
    m.inFlight += 1;
    return {
      onEnd(err) {
        m.inFlight -= 1;
        m.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        countOf(m, err?.code).pending += 1;
      },
      onMessage() {
        m.sent += 1;
      },
    };
  };
}

interface CodeCount {
  readonly labels: { service: string; method: string; code: string };
  /** Calls finished with this code since the counter last read them. */
  pending: number;
}

interface MethodMetrics {
  readonly labels: { service: string; method: string };
  /** Whether the server sends a stream (its calls count as active streams). */
  readonly streaming: boolean;
  /** Calls started since the counter last read them. */
  started: number;
  /** Stream messages sent since the counter last read them. */
  sent: number;
  /** Calls of the method in progress. */
  inFlight: number;
  readonly duration: Histogram.Internal<"service" | "method">;
  readonly codes: Map<Code | undefined, CodeCount>;
}
