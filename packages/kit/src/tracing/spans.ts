import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { Attributes, Span } from "@opentelemetry/api";

/** The name of the tracer every Guardian span comes from. */
export const tracerName = "guardian";

let enabled = false;

/**
 * True once {@link startTracing} loaded the SDK in this process. While false, every tracing
 * hook is a pass-through: no span is made, no header read, no field added to a log line.
 */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Turns the tracing hooks on or off (the SDK's start and shutdown call it). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** The kinds of span Guardian makes, as OpenTelemetry names them. */
export type TracedKind = "client" | "internal" | "server";

const kinds: Record<TracedKind, SpanKind> = {
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
};

/**
 * Runs `fn` inside a new span that is a child of the current one, ending it when `fn` settles
 * and recording a failure as the span's error. With tracing off it only runs `fn`. A client
 * span (a query, an etcd or Redis command) is made only inside another span, a call's trace:
 * work outside every call (readiness checks, background loops) makes no traces of its own.
 */
export async function traced<T>(
  name: string,
  kind: TracedKind,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!enabled) return fn();
  if (kind === "client" && trace.getSpan(context.active()) === undefined) return fn();
  return trace
    .getTracer(tracerName)
    .startActiveSpan(name, { kind: kinds[kind], attributes }, async (span) => {
      try {
        return await fn();
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
}

/** Marks a span as failed with `err` (its exception event and an error status). */
export function failSpan(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : "" });
}

/**
 * The `trace_id` and `span_id` of the span active where a log line is written (none outside a
 * span or with tracing off): the logger adds them to every line. The object is new each time,
 * since the logger merges the line's own fields into it.
 */
export function traceFields(): Record<string, string> {
  if (!enabled) return {};
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
