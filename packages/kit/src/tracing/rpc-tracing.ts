import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from "@opentelemetry/api";
import type { Attributes, Span, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { observeCall } from "../rpc/observe-call.js";
import { tracerName, tracingEnabled } from "./spans.js";

type Next = Parameters<Interceptor>[0];
type AnyRequest = Parameters<Next>[0];

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

const headerSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

// Codes that mean the server failed, as the RPC conventions count them for server spans.
const serverFaults = new Set<Code>([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/** `grpc` for gRPC and gRPC-Web calls, `connect_rpc` for Connect's own protocol. */
function rpcSystem(req: AnyRequest): "connect_rpc" | "grpc" {
  return (req.header.get("content-type") ?? "").startsWith("application/grpc")
    ? "grpc"
    : "connect_rpc";
}

function rpcAttributes(req: AnyRequest, system: string): Attributes {
  return {
    "rpc.system": system,
    "rpc.service": req.service.typeName,
    "rpc.method": req.method.name,
  };
}

/** Records how a call ended, in the attribute of its RPC system, and ends the span. */
function endSpan(span: Span, system: string, err: ConnectError | undefined, client: boolean): void {
  const code = err?.code ?? 0;
  if (system === "grpc") {
    span.setAttribute("rpc.grpc.status_code", code);
  } else if (err !== undefined) {
    span.setAttribute("rpc.connect_rpc.error_code", Code[code] ?? "unknown");
  }
  if (err !== undefined && (client || serverFaults.has(err.code))) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.rawMessage });
  }
  span.end();
}

/**
 * Creates the interceptor that gives every RPC a server span named `package.Service/Method`,
 * continuing the W3C trace context of the request (`traceparent`, as Envoy sends it). The
 * rest of the call, its log lines included, runs inside that span; a stream's span ends with
 * the stream.
 *
 * Interceptors are applied once, when routes are made: with tracing off at that moment the
 * interceptor hands back the next handler itself and costs nothing per call.
 */
export function createServerTracingInterceptor(): Interceptor {
  return (next) => {
    if (!tracingEnabled()) return next;
    const tracer = trace.getTracer(tracerName);
    return async (req) => {
      const system = rpcSystem(req);
      const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
      const span = tracer.startSpan(
        `${req.service.typeName}/${req.method.name}`,
        { kind: SpanKind.SERVER, attributes: rpcAttributes(req, system) },
        parent,
      );
      return context.with(trace.setSpan(parent, span), () =>
        observeCall(next, req, { onEnd: (err) => endSpan(span, system, err, false) }),
      );
    };
  };
}

/**
 * Creates the interceptor for calls to another Guardian service: a client span per call
 * (named like the server's), whose trace context is sent along in `traceparent`. A stream's
 * span ends when its response begins. With tracing off when the client is made, it costs
 * nothing per call.
 */
export function createClientTracingInterceptor(): Interceptor {
  return (next) => {
    if (!tracingEnabled()) return next;
    const tracer = trace.getTracer(tracerName);
    return async (req) => {
      const system = rpcSystem(req);
      const span = tracer.startSpan(`${req.service.typeName}/${req.method.name}`, {
        kind: SpanKind.CLIENT,
        attributes: rpcAttributes(req, system),
      });
      const ctx = trace.setSpan(context.active(), span);
      propagation.inject(ctx, req.header, headerSetter);
      try {
        const res = await context.with(ctx, () => next(req));
        endSpan(span, system, undefined, true);
        return res;
      } catch (err) {
        endSpan(span, system, ConnectError.from(err), true);
        throw err;
      }
    };
  };
}
