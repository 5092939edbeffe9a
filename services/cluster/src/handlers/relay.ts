import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";

/** True when the call was ended by the server draining (not by the client going away). */
export function serverDraining(ctx: HandlerContext): boolean {
  const reason: unknown = ctx.signal.reason;
  return ctx.signal.aborted && reason instanceof ConnectError && reason.code === Code.Unavailable;
}

/**
 * Yields what a backend stream yields. A stream the client cancelled ends quietly; any other
 * failure, a draining server's included, is the call's failure.
 */
export async function* relay<T>(ctx: HandlerContext, source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    if (ctx.signal.aborted && !serverDraining(ctx)) return;
    throw err;
  }
}
