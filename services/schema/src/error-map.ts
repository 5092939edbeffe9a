import { Code, ConnectError } from "@connectrpc/connect";
import {
  createErrorMapper,
  internalError,
  isPgError,
  pgCodes,
  pgErrorRules,
  type ErrorMapper,
} from "@guardian/kit";

/** What a failing call was about, for clearer messages. */
export interface SchemaErrorContext {
  project?: string;
  name?: string;
  requestId?: string;
}

const mapOther: ErrorMapper = createErrorMapper([
  {
    // jsonb cannot hold U+0000 ("unsupported Unicode escape sequence").
    match: (e) => isPgError(e, "22P05"),
    code: Code.InvalidArgument,
    message: () => "invalid content: strings must not contain the NUL character (\\u0000)",
  },
  ...pgErrorRules.map((rule) =>
    rule.code === Code.Unavailable
      ? { ...rule, message: () => "the schema database is unavailable, retry later" }
      : rule,
  ),
]);

/**
 * Maps database failures to Connect errors, in one place: unique violation → AlreadyExists
 * (the schema name is taken), foreign-key violation → NotFound (the project is gone),
 * serialization failure or deadlock → Aborted, connection loss → Unavailable; anything
 * unknown becomes Internal with a generic message. ConnectErrors pass through.
 */
export function toSchemaConnectError(err: unknown, ctx: SchemaErrorContext = {}): ConnectError {
  if (ctx.name !== undefined && isPgError(err, pgCodes.uniqueViolation)) {
    return new ConnectError(
      `schema "${ctx.name}" already exists in project "${ctx.project}"`,
      Code.AlreadyExists,
      undefined,
      undefined,
      err,
    );
  }
  if (ctx.project !== undefined && isPgError(err, pgCodes.foreignKeyViolation)) {
    return new ConnectError(
      `project "${ctx.project}" not found`,
      Code.NotFound,
      undefined,
      undefined,
      err,
    );
  }
  return mapOther(err, ctx.requestId);
}

const passedOn = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

/**
 * Maps a failed call to the store service. Unavailability, deadlines and cancellations keep
 * their code; anything else from the store is this service's internal failure.
 */
export function fromStoreError(err: unknown, requestId?: string): ConnectError {
  const e = ConnectError.from(err);
  if (!passedOn.has(e.code)) return internalError(err, requestId);
  const message =
    e.code === Code.Unavailable ? "the config store is unavailable, retry later" : e.rawMessage;
  return new ConnectError(message, e.code, undefined, undefined, err);
}
