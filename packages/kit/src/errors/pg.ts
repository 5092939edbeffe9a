import { Code } from "@connectrpc/connect";
import type { ErrorRule } from "./error-mapper.js";

/** SQLSTATE codes (and socket error codes) that services map to RPC codes. */
export const pgCodes = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  lockNotAvailable: "55P03",
  queryCanceled: "57014",
  adminShutdown: "57P01",
  crashShutdown: "57P02",
  cannotConnectNow: "57P03",
  connectionException: "08000",
  connectionDoesNotExist: "08003",
  connectionFailure: "08006",
} as const;

const connectionLossCodes = new Set<string>([
  pgCodes.adminShutdown,
  pgCodes.crashShutdown,
  pgCodes.cannotConnectNow,
  pgCodes.connectionException,
  pgCodes.connectionDoesNotExist,
  pgCodes.connectionFailure,
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/**
 * Tells whether `err` is a pg (or socket) error with one of the given codes, such as
 * `"23505"` for a unique violation or `"ECONNREFUSED"`.
 */
export function isPgError(err: unknown, ...codes: string[]): boolean {
  const code = errorCode(err);
  return code !== undefined && codes.includes(code);
}

/**
 * Tells whether `err` means the database connection is gone or cannot be had: a shutdown or
 * connection-failure SQLSTATE, a socket error, node-postgres' "Connection terminated" errors,
 * the pool's connection timeout (no connection within `connectTimeoutMs`), or a query the
 * server left unanswered past the pool's `query_timeout` ("Query read timeout").
 */
export function isPgConnectionLoss(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined) {
    return connectionLossCodes.has(code);
  }
  return (
    err instanceof Error &&
    /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout)/.test(
      err.message,
    )
  );
}

/**
 * pg errors that mean "not now" without being anyone's mistake: a query the database canceled
 * (an operator's `statement_timeout`) → DeadlineExceeded, a lock not had in time (an
 * operator's `lock_timeout`) → Unavailable, connection loss → Unavailable.
 */
export const pgBusyRules: readonly ErrorRule[] = [
  {
    match: (e) => isPgError(e, pgCodes.queryCanceled),
    code: Code.DeadlineExceeded,
    message: () => "the database canceled the query (a statement timeout)",
  },
  {
    match: (e) => isPgError(e, pgCodes.lockNotAvailable),
    code: Code.Unavailable,
    message: () => "the database could not take a lock in time; retry",
  },
  { match: isPgConnectionLoss, code: Code.Unavailable, message: () => "database unavailable" },
];

/**
 * The standard pg error rules: unique violation → AlreadyExists, serialization failure or
 * deadlock → Aborted, then {@link pgBusyRules}. Put service-specific rules before these.
 */
export const pgErrorRules: readonly ErrorRule[] = [
  { match: (e) => isPgError(e, pgCodes.uniqueViolation), code: Code.AlreadyExists },
  {
    match: (e) => isPgError(e, pgCodes.serializationFailure, pgCodes.deadlockDetected),
    code: Code.Aborted,
  },
  ...pgBusyRules,
];
