import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
import { asDecodeError, isDecodeFailure } from "../errors/decode-failure.js";
import { internalError } from "../errors/internal.js";
import { codeName, createObservingInterceptor, type CallObserver } from "../rpc/observe-call.js";
import { loggerKey, requestIdKey } from "./logger.js";

const serverFaults = new Set<Code>([Code.Internal, Code.Unknown, Code.DataLoss]);

/**
 * Turns a handler failure into what the client may see: ConnectErrors other than Internal pass
 * through; anything else becomes a generic Internal error naming the request id.
 *
 * Returns the client error and the error worth logging (the original, with its stack).
 */
export function sanitizeError(
  err: unknown,
  requestId: string,
): { client: ConnectError; logged: unknown } {
  // A streamed request message that cannot be decoded fails inside the call: the client's error.
  if (isDecodeFailure(err)) return { client: asDecodeError(err) as ConnectError, logged: err };
  if (err instanceof ConnectError && err.code !== Code.Internal) {
    return { client: withoutTransportHeaders(err), logged: err };
  }
  if (err instanceof ConnectError && /^internal error( \(request id .*\))?$/.test(err.rawMessage)) {
    // Already sanitized (for example by internalError); log what it wraps.
    return { client: err, logged: err.cause ?? err };
  }
  return { client: internalError(err, requestId), logged: err };
}

/** Response headers of another call that must never be copied into this call's response. */
const transportHeaders = /^(content-|transfer-encoding$|connection$|grpc-|connect-|te$|trailer$)/i;

/**
 * Drops transport headers from an error's metadata. An error re-thrown from a client call (for
 * example a store call's NotFound) carries that call's response headers; sent as ours they
 * would corrupt the response (a content-length breaks gRPC streams).
 */
function withoutTransportHeaders(err: ConnectError): ConnectError {
  const names = [...err.metadata.keys()].filter((k) => transportHeaders.test(k));
  if (names.length === 0) return err;
  const metadata = new Headers(err.metadata);
  for (const n of names) metadata.delete(n);
  const copy = new ConnectError(err.rawMessage, err.code, metadata, undefined, err.cause ?? err);
  // Keep the details exactly as they were (already-encoded details stay encoded).
  copy.details.push(...err.details);
  return copy;
}

/**
 * Creates the interceptor that logs every RPC once when it ends (procedure, code, duration, request
 * id) and keeps internal error details out of responses.
 *
 * Successful and client-caused outcomes log at info; Internal, Unknown and DataLoss log at error
 * with the underlying cause. The logger comes from `loggerKey` in the context values;
 * `enabled`, when given, tells cheaply whether a level is on (the process logger's level),
 * so that the call's logger is not even looked up for a line that would not be written.
 */
export function createLoggingInterceptor(
  enabled?: (level: "error" | "info") => boolean,
): Interceptor {
  return createObservingInterceptor([createLoggingObserver(enabled)]);
}

/** The call observer of {@link createLoggingInterceptor}. */
export function createLoggingObserver(
  enabled?: (level: "error" | "info") => boolean,
): CallObserver {
  return (req) => {
    const requestId = req.contextValues.get(requestIdKey);
    const started = process.hrtime.bigint();
    let logged: unknown;
    return {
      mapError(err) {
        const result = sanitizeError(err, requestId);
        logged = result.logged;
        return result.client;
      },
      onEnd(err) {
        const fault = err !== undefined && serverFaults.has(err.code);
        // Nothing is built for a line the level leaves out (not even the call's logger).
        const level = fault ? "error" : "info";
        if (enabled !== undefined && !enabled(level)) return;
        const log = req.contextValues.get(loggerKey);
        if (!log.isLevelEnabled(level)) return;
        const fields = {
          procedure: `/${req.service.typeName}/${req.method.name}`,
          code: codeName(err?.code),
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          ...(req.stream ? { stream: true } : {}),
        };
        if (fault) {
          log.error({ ...fields, err: logged ?? err }, "rpc failed");
        } else if (err !== undefined) {
          log.info({ ...fields, error: err.rawMessage }, "rpc finished");
        } else {
          log.info(fields, "rpc finished");
        }
      },
    };
  };
}
