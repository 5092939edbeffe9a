import { Code, ConnectError } from "@connectrpc/connect";
import {
  createErrorMapper,
  isPgError,
  pgCodes,
  pgErrorRules,
  type ErrorMapper,
} from "@guardian/kit";

/**
 * Maps auth service failures to Connect errors, in one place: ConnectErrors pass through,
 * a vanished project (foreign key) is NotFound, the standard pg rules follow, and anything
 * else is Internal with a generic message.
 */
export const toAuthError: ErrorMapper = createErrorMapper([
  {
    match: (e) => isPgError(e, pgCodes.foreignKeyViolation),
    code: Code.NotFound,
    message: () => "the project or user no longer exists",
  },
  ...pgErrorRules,
]);

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
