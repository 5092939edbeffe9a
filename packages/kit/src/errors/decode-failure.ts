import { Code, ConnectError } from "@connectrpc/connect";

/**
 * How connect-es begins the message of a binary request it could not decode (bad wire data,
 * invalid UTF-8 in a string, nesting past the recursion limit). It reports that as Internal,
 * on every protocol, but the message came from the client: it is the client's error.
 */
export const decodeFailurePrefix = "parse binary: ";
const prefix = decodeFailurePrefix;

/** Tells whether an error is connect-es's failure to decode a binary request message. */
export function isDecodeFailure(err: unknown): err is ConnectError {
  return (
    err instanceof ConnectError && err.code === Code.Internal && err.rawMessage.startsWith(prefix)
  );
}

/**
 * Returns the InvalidArgument error a client gets for a request message that cannot be
 * decoded; any other error is returned as it is.
 */
export function asDecodeError(err: unknown): unknown {
  if (!isDecodeFailure(err)) return err;
  const reason = err.rawMessage.slice(prefix.length);
  return new ConnectError(
    `invalid request: the message cannot be decoded (${reason})`,
    Code.InvalidArgument,
    undefined,
    undefined,
    err,
  );
}
