import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions, type Client } from "@connectrpc/connect";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { VersionConflictSchema } from "@guardian/api";

type AnyMethod = (req: unknown, opts?: CallOptions) => unknown;

/** The errors of writes whose outcome is unknown (the connection broke mid-call). */
const outcomeUnknown = new WeakSet<ConnectError>();

/** Tells whether an error is a write whose outcome is unknown: it may have committed. */
export function isOutcomeUnknown(err: unknown): boolean {
  return err instanceof ConnectError && outcomeUnknown.has(err);
}

/** The errors {@link serviceCallError} made: a client guarded twice classifies once. */
const classified = new WeakSet<ConnectError>();

/** Tells whether a connection was refused: the request never reached the service. */
function refused(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "ECONNREFUSED") return true;
  }
  return false;
}

/** The errors that a service called in this process answered with: no connection was involved. */
const answeredInProcess = new WeakSet<ConnectError>();

/**
 * Marks an error as the answer of a service whose handlers run in this process (a client that
 * calls them directly), so that {@link serviceCallError} passes it on like an answer that
 * arrived over a connection.
 */
export function inProcessAnswer(err: ConnectError): ConnectError {
  answeredInProcess.add(err);
  return err;
}

/**
 * Tells whether an error is an answer the other service sent (its status reached us), rather
 * than a failure of the connection: gRPC answers carry grpc-status, Connect answers a body,
 * and a service in this process answers directly.
 */
function sentByService(err: ConnectError): boolean {
  if (answeredInProcess.has(err) || err.metadata.has("grpc-status")) return true;
  const type = err.metadata.get("content-type") ?? "";
  return type !== "" && !type.startsWith("application/grpc");
}

/**
 * Classifies a failed service-to-service call. A real answer passes through unchanged, except
 * an Aborted without a guardian.v1.VersionConflict detail: only a version conflict may be
 * Aborted. A broken connection (reset, HTTP/2 cancel, a process that died mid-call) becomes
 * Unavailable; for a write that may have reached the service it says that the outcome is
 * unknown (see {@link isOutcomeUnknown}). A call that the caller's own signal ended answers
 * with the signal's reason when that is a ConnectError (a handler's deadline is
 * DeadlineExceeded), and keeps its error otherwise.
 */
export function serviceCallError(
  err: unknown,
  method: DescMethod,
  opts: { signal?: AbortSignal; writes: ReadonlySet<string> },
): unknown {
  if (opts.signal?.aborted) {
    // The caller's deadline or cancellation ended the call: say so (DeadlineExceeded for a
    // deadline), not what the stream it cut reported ("stream closed with CANCEL").
    const reason: unknown = opts.signal.reason;
    return reason instanceof ConnectError ? reason : err;
  }
  const ce = ConnectError.from(err);
  // Already classified by an outer guard of the same client: keep it as it is.
  if (classified.has(ce)) return err;
  if (sentByService(ce)) {
    const conflict = ce.findDetails(VersionConflictSchema).length > 0;
    if (ce.code !== Code.Aborted || conflict) return err;
  }
  const service = method.parent.name;
  const write = opts.writes.has(method.localName);
  if (!write || refused(err)) {
    const message = write
      ? `${service} cannot be reached, so nothing was changed; retry`
      : `${service} cannot be reached; retry`;
    const lost = new ConnectError(message, Code.Unavailable, undefined, undefined, err);
    classified.add(lost);
    return lost;
  }
  const unknown = new ConnectError(
    `the connection to ${service} failed during the write, so its outcome is unknown: read the resource (or retry with the same idempotency_key) before writing again`,
    Code.Unavailable,
    undefined,
    undefined,
    err,
  );
  outcomeUnknown.add(unknown);
  classified.add(unknown);
  return unknown;
}

/**
 * Wraps a client of another Guardian service so that every failure is classified by
 * {@link serviceCallError}, in one place, whatever the transport: in memory, gRPC, or
 * through a proxy. `writes` names the methods (by local name) that change something.
 */
export function guardServiceClient<S extends DescService>(
  service: S,
  client: Client<S>,
  writes: readonly string[],
): Client<S> {
  const raw = client as unknown as Record<string, AnyMethod>;
  const opts = { writes: new Set(writes) };
  const guarded: Record<string, AnyMethod> = {};
  for (const method of service.methods) {
    const call = raw[method.localName]!.bind(client);
    guarded[method.localName] =
      method.methodKind === "server_streaming"
        ? (req, o) =>
            (async function* () {
              try {
                yield* call(req, o) as AsyncIterable<unknown>;
              } catch (err) {
                throw serviceCallError(err, method, { ...opts, signal: o?.signal });
              }
            })()
        : async (req, o) => {
            try {
              return await (call(req, o) as Promise<unknown>);
            } catch (err) {
              throw serviceCallError(err, method, { ...opts, signal: o?.signal });
            }
          };
  }
  return guarded as unknown as Client<S>;
}

/** What {@link createServiceTransport} needs. */
export interface ServiceTransportOptions {
  baseUrl: string;
  interceptors?: Interceptor[];
  /** How often a connection with open calls is checked with an HTTP/2 PING. Default 10 s. */
  pingIntervalMs?: number;
  /** How long a PING may go unanswered before the connection counts as dead. Default 10 s. */
  pingTimeoutMs?: number;
}

/**
 * The gRPC transport of one Guardian service calling another (the API processes calling the
 * store). While calls are open, and before a call on a connection quiet for a ping interval,
 * the connection is checked with an HTTP/2 PING: a service that vanished without closing its
 * connections (a dead host, a dropped NAT entry) fails its open calls within about 20 s, as
 * Unavailable, instead of holding them until TCP gives up many minutes later.
 */
export function createServiceTransport(opts: ServiceTransportOptions): Transport {
  return createGrpcTransport({
    baseUrl: opts.baseUrl,
    interceptors: opts.interceptors ?? [],
    pingIntervalMs: opts.pingIntervalMs ?? 10_000,
    pingTimeoutMs: opts.pingTimeoutMs ?? 10_000,
  });
}
