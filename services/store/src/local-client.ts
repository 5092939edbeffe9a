import { create, type DescMethod } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type CallOptions,
  type Client,
  type ContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import { StoreService } from "@guardian/api";
import { carriedAuditKey } from "@guardian/authz";
import {
  createDeadline,
  inProcessAnswer,
  pageTokenSignerKey,
  type Deadline,
  type PageTokenSigner,
} from "@guardian/kit";
import type { StoreServiceDeps } from "./deps.js";
import { createStoreService } from "./routes.js";

type Handler = (req: unknown, ctx: HandlerContext) => unknown;

/**
 * Creates a StoreService client for a process that hosts the store itself: each call runs the
 * store's handlers (the same ones its routes serve) directly, with no encoding of messages and
 * no transport. Requests and responses are still made complete messages of their types, a
 * failure reaches the caller as the ConnectError the handler mapped it to (marked as an answer
 * of the service, see `inProcessAnswer`), and a call whose signal is aborted fails with
 * Canceled. A stream ends when its caller stops reading it or aborts its signal.
 *
 * `pageTokenSigner` signs the store's page tokens, as the server's signer does for calls that
 * arrive over the network: give it the deployment's (GUARDIAN_PAGE_TOKEN_SECRET), so that a
 * token stays valid across restarts and replicas. Without it, the tokens are signed with a key
 * of this process.
 */
export function createLocalStoreClient(
  deps: StoreServiceDeps & { pageTokenSigner?: PageTokenSigner },
): Client<typeof StoreService> {
  const impl = createStoreService(deps) as unknown as Record<string, Handler>;
  const client: Record<string, unknown> = {};
  // The store's handlers get context values of their own; of the caller's, only the audit
  // event its write carries (see `CarriedAudit`), which only a caller in this process can give.
  const values = (options?: CallOptions) => {
    const v = createContextValues();
    if (deps.pageTokenSigner) v.set(pageTokenSignerKey, deps.pageTokenSigner);
    const audit = options?.contextValues?.get(carriedAuditKey);
    if (audit) v.set(carriedAuditKey, audit);
    return v;
  };
  for (const method of StoreService.methods) {
    const handler = impl[method.localName]!.bind(impl);
    if (method.methodKind === "unary") client[method.localName] = unary(method, handler, values);
    else if (method.methodKind === "server_streaming") {
      client[method.localName] = serverStream(method, handler, values);
    }
  }
  return client as Client<typeof StoreService>;
}

type Values = (options?: CallOptions) => ContextValues;

function unary(method: DescMethod, handler: Handler, values: Values) {
  return async (req: unknown, options?: CallOptions) => {
    const call = callSignal(options);
    const { signal } = call;
    if (signal.aborted) throw stopped(signal);
    try {
      const ctx = contextOf(method, signal, values(options));
      return create(
        method.output,
        (await handler(create(method.input, req as never), ctx)) as never,
      );
    } catch (err) {
      throw failure(err, signal);
    } finally {
      call.clear();
    }
  };
}

function serverStream(method: DescMethod, handler: Handler, values: Values) {
  return async function* (req: unknown, options?: CallOptions) {
    // The handler's context ends with the stream, however the stream ends.
    const done = new AbortController();
    const call = callSignal(options);
    const signal = AbortSignal.any([call.signal, done.signal]);
    if (signal.aborted) throw stopped(call.signal);
    const ctx = contextOf(method, signal, values());
    const responses = handler(create(method.input, req as never), ctx) as AsyncIterable<unknown>;
    try {
      for await (const res of responses) yield create(method.output, res as never);
      if (call.signal.aborted) throw stopped(call.signal);
    } catch (err) {
      throw failure(err, call.signal);
    } finally {
      call.clear();
      done.abort();
    }
  };
}

/**
 * The call's signal, or one of its own (a handler may leave listeners on it); with the call's
 * `timeoutMs`, one that also aborts when that time is up. `clear` ends the timer with the call.
 */
function callSignal(options: CallOptions | undefined): Deadline {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined) return createDeadline(timeoutMs, options?.signal);
  return { signal: options?.signal ?? new AbortController().signal, clear: noop };
}

function noop(): void {}

/** The error of a call stopped by its signal: its deadline passed, or its caller canceled it. */
function stopped(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  return reason instanceof DOMException && reason.name === "TimeoutError"
    ? new ConnectError("the call's deadline passed", Code.DeadlineExceeded)
    : new ConnectError("the call was canceled", Code.Canceled);
}

function failure(err: unknown, signal: AbortSignal): ConnectError {
  if (signal.aborted) return stopped(signal);
  return inProcessAnswer(ConnectError.from(err, Code.Internal));
}

function contextOf(method: DescMethod, signal: AbortSignal, values: ContextValues): HandlerContext {
  let requestHeader: Headers | undefined;
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  return {
    method,
    service: method.parent,
    signal,
    timeoutMs: () => undefined,
    requestMethod: "POST",
    get requestHeader() {
      return (requestHeader ??= new Headers());
    },
    get responseHeader() {
      return (responseHeader ??= new Headers());
    },
    get responseTrailer() {
      return (responseTrailer ??= new Headers());
    },
    protocolName: "in-process",
    values,
    url: `/${method.parent.typeName}/${method.name}`,
  };
}
