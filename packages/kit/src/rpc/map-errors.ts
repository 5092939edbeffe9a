import type { DescService } from "@bufbuild/protobuf";
import type { ConnectError, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { requestIdKey } from "../logging/logger.js";

/** The call whose handler failed, as an error table sees it. */
export interface FailedCall {
  /** The method's local name, for example `createConfig`. */
  readonly method: string;
  /** The request message (for a streaming call, the request that opened it). */
  readonly req: unknown;
  readonly ctx: HandlerContext;
  /** The call's request id, for the generic Internal message. */
  readonly requestId: string;
}

/** A service's error table: turns any failure of one of its calls into what the client sees. */
export type ToConnectError = (err: unknown, call: FailedCall) => ConnectError;

type AnyHandler = (req: unknown, ctx: HandlerContext) => unknown;

/**
 * Wraps every unary and server-streaming handler of `impl` so that any failure goes through
 * the service's one error table, `toError`, and the ConnectError it returns is what the
 * client gets. A stream fails the same way whether it fails before its first message or
 * after. Handlers then hold no try/catch whose only purpose is mapping errors.
 */
export function mapErrors<S extends DescService, I extends Partial<ServiceImpl<S>>>(
  service: S,
  impl: I,
  toError: ToConnectError,
): I {
  const wrapped: Record<string, unknown> = {};
  for (const method of service.methods) {
    const name = method.localName;
    const handler = (impl as Record<string, AnyHandler | undefined>)[name];
    if (handler === undefined) continue;
    const fail = (err: unknown, req: unknown, ctx: HandlerContext) =>
      toError(err, { method: name, req, ctx, requestId: ctx.values.get(requestIdKey) });
    wrapped[name] =
      method.methodKind === "server_streaming"
        ? async function* (req: unknown, ctx: HandlerContext) {
            try {
              yield* handler(req, ctx) as AsyncIterable<unknown>;
            } catch (err) {
              throw fail(err, req, ctx);
            }
          }
        : async (req: unknown, ctx: HandlerContext) => {
            try {
              return await handler(req, ctx);
            } catch (err) {
              throw fail(err, req, ctx);
            }
          };
  }
  return wrapped as I;
}
