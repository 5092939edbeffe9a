import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor, StreamResponse, UnaryResponse } from "@connectrpc/connect";

type Next = Parameters<Interceptor>[0];
type AnyRequest = Parameters<Next>[0];

/** Hooks for {@link observeCall}. */
export interface CallHooks {
  /** Turns a failure into the error sent to the client (defaults to {@link toConnectError}). */
  mapError?: (err: unknown) => ConnectError;
  /** Called exactly once when the call ends: after a unary response, or when a stream ends. */
  onEnd: (err: ConnectError | undefined) => void;
  /** Called for every message a server stream sends, as it is passed on. */
  onMessage?: () => void;
}

/** Watches calls: called as each call starts, it returns the hooks of that call. */
export type CallObserver = (req: AnyRequest) => CallHooks;

/**
 * Creates one interceptor that runs every observer over one wrapper per call (and one per
 * stream), in place of an interceptor each: per stream, each wrapper is an async generator
 * that every message passes through. Hooks run in the order of `observers`; their
 * `mapError`s apply last to first, as nested interceptors would.
 */
export function createObservingInterceptor(observers: readonly CallObserver[]): Interceptor {
  if (observers.length === 1) {
    const only = observers[0]!;
    return (next) => (req) => observeCall(next, req, only(req));
  }
  return (next) => (req) => {
    const hooks: CallHooks[] = [];
    for (const observe of observers) hooks.push(observe(req));
    return observeCall(next, req, new CombinedHooks(hooks));
  };
}

/**
 * The hooks of several observers as one: one object per call, its methods on the prototype.
 * `mapError` applies the observers' own last to first, or is {@link toConnectError} when
 * none has one.
 */
class CombinedHooks implements CallHooks {
  constructor(private readonly hooks: readonly CallHooks[]) {}

  mapError(err: unknown): ConnectError {
    let mapped: unknown = err;
    let any = false;
    for (let i = this.hooks.length - 1; i >= 0; i--) {
      const h = this.hooks[i]!;
      if (h.mapError) {
        mapped = h.mapError(mapped);
        any = true;
      }
    }
    return any ? (mapped as ConnectError) : toConnectError(mapped);
  }

  onEnd(err: ConnectError | undefined): void {
    for (const h of this.hooks) h.onEnd(err);
  }

  onMessage(): void {
    for (const h of this.hooks) h.onMessage?.();
  }
}

/**
 * Converts anything thrown by a handler into the ConnectError that Connect would send.
 *
 * Non-ConnectErrors become Code.Internal with a generic message and the original as `cause`,
 * matching what connect-es does on the wire.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    return err;
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}

/**
 * Returns the lower_snake name of a code as used on the wire by Connect ("ok" for success).
 */
export function codeName(code: Code | undefined): string {
  if (code === undefined) {
    return "ok";
  }
  return (Code[code] ?? "unknown").replace(/(?<=[a-z])(?=[A-Z])/g, "_").toLowerCase();
}

/**
 * What a failure of a call whose signal was aborted is: the abort's own ConnectError (a
 * deadline, the server shutting down), or Canceled when the client went away. A call whose
 * client left mid-request fails with whatever reading or writing the gone stream threw (for
 * example Node's "Premature close"); that is not the server's fault. A ConnectError a handler
 * chose (any code but Internal) stays as it is.
 */
function whenAborted(err: unknown, signal: AbortSignal): unknown {
  if (!signal.aborted) return err;
  if (err instanceof ConnectError && err.code !== Code.Internal) return err;
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError && reason.code !== Code.Internal) return reason;
  return new ConnectError("the client went away", Code.Canceled, undefined, undefined, err);
}

/**
 * Runs the next handler and reports the outcome once, treating a streaming RPC as ended only
 * when its response stream finishes, fails, or is abandoned by the client.
 */
export async function observeCall(
  next: Next,
  req: AnyRequest,
  hooks: CallHooks,
): Promise<UnaryResponse | StreamResponse> {
  let res: UnaryResponse | StreamResponse;
  try {
    res = await next(req);
  } catch (err) {
    const failure = mapFailure(hooks, err, req.signal);
    hooks.onEnd(failure);
    throw failure;
  }
  if (!res.stream) {
    hooks.onEnd(undefined);
    return res;
  }
  let ended = false;
  const end = (err: ConnectError | undefined): void => {
    if (!ended) {
      ended = true;
      hooks.onEnd(err);
    }
  };
  const onMessage = hooks.onMessage && (() => hooks.onMessage!());
  return {
    ...res,
    message: watchStream(
      res.message,
      req.signal,
      (err) => mapFailure(hooks, err, req.signal),
      end,
      onMessage,
    ),
  };
}

/** The error a failed call reports and sends: the hooks' mapping, or {@link toConnectError}. */
function mapFailure(hooks: CallHooks, err: unknown, signal: AbortSignal): ConnectError {
  const failure = whenAborted(err, signal);
  return hooks.mapError ? hooks.mapError(failure) : toConnectError(failure);
}

async function* watchStream<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  mapError: (err: unknown) => ConnectError,
  end: (err: ConnectError | undefined) => void,
  onMessage: (() => void) | undefined,
): AsyncGenerator<T> {
  try {
    if (onMessage === undefined) {
      yield* source;
    } else {
      for await (const message of source) {
        onMessage();
        yield message;
      }
    }
  } catch (err) {
    const failure = mapError(err);
    end(failure);
    throw failure;
  } finally {
    // Reached without an error when the stream completed or the consumer stopped reading.
    end(signal.aborted ? new ConnectError("stream abandoned", Code.Canceled) : undefined);
  }
}
