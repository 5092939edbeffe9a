import { Code, ConnectError } from "@connectrpc/connect";
import { internalError } from "./internal.js";

/** One row of an error table: which errors it matches, the code they get, and the client message. */
export interface ErrorRule {
  /** Tells whether this rule applies to the error. */
  match: (err: unknown) => boolean;
  /** The code sent to the client. */
  code: Code;
  /**
   * Builds the message sent to the client. Defaults to a short fixed text per code, so internal
   * wording (SQL, hostnames) never leaks by accident.
   */
  message?: (err: unknown) => string;
}

/** Maps any thrown value to the ConnectError a client should see. */
export type ErrorMapper = (err: unknown, requestId?: string) => ConnectError;

/**
 * Creates the one place a service turns store, database and other errors into ConnectErrors.
 *
 * ConnectErrors pass through unchanged; otherwise the first matching rule wins; anything
 * unmatched becomes Code.Internal with a generic message. The original error is always `cause`.
 */
export function createErrorMapper(table: readonly ErrorRule[]): ErrorMapper {
  return (err, requestId) => {
    if (err instanceof ConnectError) {
      return err;
    }
    for (const rule of table) {
      if (rule.match(err)) {
        const message = rule.message?.(err) ?? defaultMessage(rule.code);
        return new ConnectError(message, rule.code, undefined, undefined, err);
      }
    }
    return internalError(err, requestId);
  };
}

const defaultMessages: Partial<Record<Code, string>> = {
  [Code.Canceled]: "canceled",
  [Code.DeadlineExceeded]: "deadline exceeded",
  [Code.NotFound]: "not found",
  [Code.AlreadyExists]: "already exists",
  [Code.PermissionDenied]: "permission denied",
  [Code.ResourceExhausted]: "resource exhausted",
  [Code.FailedPrecondition]: "failed precondition",
  [Code.Aborted]: "aborted: concurrent modification, retry",
  [Code.Unavailable]: "unavailable, retry later",
  [Code.Unauthenticated]: "unauthenticated",
};

function defaultMessage(code: Code): string {
  return defaultMessages[code] ?? "request failed";
}
