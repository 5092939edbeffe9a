import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions, type Client } from "@connectrpc/connect";
import { StoreService, VersionConflictSchema } from "@guardian/api";

type AnyMethod = (req: unknown, opts?: CallOptions) => unknown;

/** The errors of store writes whose outcome is unknown (the connection broke mid-call). */
const outcomeUnknown = new WeakSet<ConnectError>();

/** Tells whether an error is a store write whose outcome is unknown: it may have committed. */
export function isOutcomeUnknown(err: unknown): boolean {
  return err instanceof ConnectError && outcomeUnknown.has(err);
}

/** Tells whether a connection was refused: the request never reached the store. */
function refused(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "ECONNREFUSED") return true;
  }
  return false;
}

/**
 * Tells whether an error is an answer the store sent (its status reached us), rather than a
 * failure of the connection: gRPC answers carry grpc-status, Connect answers a Connect body.
 */
function sentByStore(err: ConnectError): boolean {
  if (err.metadata.has("grpc-status")) return true;
  const type = err.metadata.get("content-type") ?? "";
  return type !== "" && !type.startsWith("application/grpc");
}

/**
 * Classifies a failed store call. A real answer of the store passes through unchanged, except
 * an Aborted without a guardian.v1.VersionConflict detail: only a version conflict may be
 * Aborted. A broken connection (reset, HTTP/2 cancel, refused, a process that died mid-call)
 * becomes Unavailable; for a write that may have reached the store it says that the outcome
 * is unknown (see {@link isOutcomeUnknown}). A call the caller
 * itself cancelled keeps its error.
 */
export function storeCallError(err: unknown, method: DescMethod, signal?: AbortSignal): unknown {
  if (signal?.aborted) return err;
  const ce = ConnectError.from(err);
  if (sentByStore(ce)) {
    const conflict = ce.findDetails(VersionConflictSchema).length > 0;
    if (ce.code !== Code.Aborted || conflict) return err;
  }
  if (method.localName !== "write" || refused(err)) {
    return new ConnectError(
      method.localName === "write"
        ? "the store cannot be reached, so nothing was changed; retry"
        : "the store cannot be reached; retry",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  const unknown = new ConnectError(
    "the connection to the store failed during the write, so its outcome is unknown: read the config (or retry with the same idempotency_key) before writing again",
    Code.Unavailable,
    undefined,
    undefined,
    err,
  );
  outcomeUnknown.add(unknown);
  return unknown;
}

/**
 * Wraps a store client so that every failure is classified by {@link storeCallError}, in
 * one place, whatever the transport: in memory, gRPC, or through a proxy.
 */
export function guardStoreClient(store: Client<typeof StoreService>): Client<typeof StoreService> {
  const raw = store as unknown as Record<string, AnyMethod>;
  const guarded: Record<string, AnyMethod> = {};
  for (const method of StoreService.methods) {
    const call = raw[method.localName]!.bind(store);
    guarded[method.localName] =
      method.methodKind === "server_streaming"
        ? (req, opts) =>
            (async function* () {
              try {
                yield* call(req, opts) as AsyncIterable<unknown>;
              } catch (err) {
                throw storeCallError(err, method, opts?.signal);
              }
            })()
        : async (req, opts) => {
            try {
              return await (call(req, opts) as Promise<unknown>);
            } catch (err) {
              throw storeCallError(err, method, opts?.signal);
            }
          };
  }
  return guarded as unknown as Client<typeof StoreService>;
}
