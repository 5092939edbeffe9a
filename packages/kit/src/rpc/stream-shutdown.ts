import type { Interceptor } from "@connectrpc/connect";

/**
 * Creates an interceptor that links the context signal of every streaming RPC to `shutdownSignal`.
 *
 * Stream handlers that honour `ctx.signal` then end as soon as a graceful shutdown begins, while
 * unary calls in flight keep their own signal and are allowed to finish.
 */
export function createStreamShutdownInterceptor(shutdownSignal: AbortSignal): Interceptor {
  return (next) => (req) => {
    if (!req.stream) {
      return next(req);
    }
    return next({ ...req, signal: AbortSignal.any([req.signal, shutdownSignal]) });
  };
}
