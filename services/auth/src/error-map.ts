import { Code, ConnectError } from "@connectrpc/connect";
import {
  createErrorMapper,
  isPgError,
  pgCodes,
  pgErrorRules,
  type ErrorMapper,
  type FailedCall,
} from "@guardian/kit";

const mapOther: ErrorMapper = createErrorMapper([
  {
    match: (e) => isPgError(e, pgCodes.foreignKeyViolation),
    code: Code.NotFound,
    message: () => "the project or user no longer exists",
  },
  ...pgErrorRules,
]);

/**
 * The auth service's error table: maps any failure of a call to what the client gets.
 * ConnectErrors pass through; a unique violation of CreateUser is AlreadyExists (the
 * username in `call.req` is taken), a vanished project or user (foreign key) is NotFound,
 * the standard pg rules follow, and anything else is Internal with a generic message.
 */
export function toAuthError(
  err: unknown,
  call: Pick<FailedCall, "method" | "req" | "requestId">,
): ConnectError {
  if (call.method === "createUser" && isPgError(err, pgCodes.uniqueViolation)) {
    const { username } = call.req as { username: string };
    return new ConnectError(
      `username "${username}" is taken`,
      Code.AlreadyExists,
      undefined,
      undefined,
      err,
    );
  }
  return mapOther(err, call.requestId);
}

/** NotFound for a project. */
export function projectNotFound(project: string): ConnectError {
  return new ConnectError(`project "${project}" not found`, Code.NotFound);
}

/** NotFound for a user. */
export function userNotFound(username: string): ConnectError {
  return new ConnectError(`user "${username}" not found`, Code.NotFound);
}

/** NotFound for an API key. */
export function apiKeyNotFound(project: string, id: string): ConnectError {
  return new ConnectError(`API key "${id}" not found in project "${project}"`, Code.NotFound);
}
