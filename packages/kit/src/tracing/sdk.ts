import { context, propagation, trace } from "@opentelemetry/api";
import { setTracingEnabled } from "./spans.js";

/** Stops tracing: exports the spans still buffered, then shuts the SDK down. */
export type StopTracing = () => Promise<void>;

const truthy = new Set(["true", "1", "yes", "on"]);

/**
 * True when the standard OpenTelemetry environment asks for traces: an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`), the traces
 * exporter is not `none`, and `OTEL_SDK_DISABLED` is not true.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (truthy.has((env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase())) return false;
  if ((env.OTEL_TRACES_EXPORTER ?? "").trim().toLowerCase() === "none") return false;
  return tracesUrl(env) !== undefined;
}

/** Where spans go: the traces endpoint as given, or `/v1/traces` under the OTLP endpoint. */
function tracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? "").trim();
  if (traces !== "") return traces;
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "").trim();
  return base === "" ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * Starts OpenTelemetry tracing in this process when the environment asks for it (see
 * {@link tracingRequested}); otherwise loads nothing and returns undefined, leaving the API a
 * no-op. Call it before any server or client is made: their hooks decide when they are made.
 *
 * The SDK is imported here and nowhere else, so a process without tracing never loads it.
 * Spans go in batches to the OTLP/HTTP endpoint of the environment (JSON encoding), the
 * sampler follows `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (default: always on,
 * respecting the parent's decision), and the trace context travels as W3C `traceparent`.
 * `serviceName` names the process unless `OTEL_SERVICE_NAME` does.
 */
export async function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StopTracing | undefined> {
  const url = tracesUrl(env);
  if (!tracingRequested(env) || url === undefined) return undefined;
  const [node, base, exporter, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new node.NodeTracerProvider({
    resource,
    spanProcessors: [new base.BatchSpanProcessor(new exporter.OTLPTraceExporter({ url }))],
  });
  provider.register();
  setTracingEnabled(true);
  return async () => {
    setTracingEnabled(false);
    await provider.shutdown();
    // Back to the no-op API, as before the start.
    trace.disable();
    propagation.disable();
    context.disable();
  };
}
