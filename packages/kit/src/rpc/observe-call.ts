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
 * Runs the next handler and reports the outcome once, treating a streaming RPC as ended only
 * when its response stream finishes, fails, or is abandoned by the client.
 */
export async function observeCall(
  next: Next,
  req: AnyRequest,
  hooks: CallHooks,
): Promise<UnaryResponse | StreamResponse> {
  const mapError = hooks.mapError ?? toConnectError;
  let ended = false;
  const end = (err: ConnectError | undefined): void => {
    if (!ended) {
      ended = true;
      hooks.onEnd(err);
    }
  };
  let res: UnaryResponse | StreamResponse;
  try {
    res = await next(req);
  } catch (err) {
    const mapped = mapError(err);
    end(mapped);
    throw mapped;
  }
  if (!res.stream) {
    end(undefined);
    return res;
  }
  return { ...res, message: watchStream(res.message, req.signal, mapError, end) };
}

async function* watchStream<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  mapError: (err: unknown) => ConnectError,
  end: (err: ConnectError | undefined) => void,
): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    const mapped = mapError(err);
    end(mapped);
    throw mapped;
  } finally {
    // Reached without an error when the stream completed or the consumer stopped reading.
    end(signal.aborted ? new ConnectError("stream abandoned", Code.Canceled) : undefined);
  }
}
