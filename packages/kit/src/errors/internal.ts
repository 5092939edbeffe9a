import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Wraps an unexpected failure as Code.Internal with a generic message for the client.
 *
 * The message only says "internal error" and, when given, the request id the client can quote;
 * the real error stays in `cause` for the logs.
 */
export function internalError(cause: unknown, requestId?: string): ConnectError {
  const message =
    requestId === undefined || requestId === ""
      ? "internal error"
      : `internal error (request id ${requestId})`;
  return new ConnectError(message, Code.Internal, undefined, undefined, cause);
}
