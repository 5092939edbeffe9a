import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { VersionConflictSchema } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import {
  createErrorMapper,
  internalError,
  isPgError,
  pgCodes,
  pgErrorRules,
  type ErrorMapper,
  type FailedCall,
} from "@guardian/kit";
import { projectExists } from "@guardian/authz";

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
 * The schema service's error table: maps any failure of a call to what the client gets.
 * ConnectErrors pass through; a unique violation is AlreadyExists (the schema name in
 * `call.req` is taken), a foreign-key violation NotFound (its project is gone), then
 * serialization failure or deadlock → Aborted, connection loss → Unavailable; anything
 * unknown becomes Internal with a generic message naming the request id.
 */
export function toSchemaError(
  err: unknown,
  call?: Pick<FailedCall, "req" | "requestId">,
): ConnectError {
  const { project, name } = (call?.req ?? {}) as { project?: string; name?: string };
  if (name !== undefined && isPgError(err, pgCodes.uniqueViolation)) {
    return new ConnectError(
      `schema "${name}" already exists in project "${project}"`,
      Code.AlreadyExists,
      undefined,
      undefined,
      err,
    );
  }
  if (project !== undefined && isPgError(err, pgCodes.foreignKeyViolation)) {
    return new ConnectError(
      `project "${project}" not found`,
      Code.NotFound,
      undefined,
      undefined,
      err,
    );
  }
  return mapOther(err, call?.requestId);
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

/** Builds the NotFound error for a project that does not exist. */
export function projectNotFound(project: string): ConnectError {
  return new ConnectError(`project "${project}" not found`, Code.NotFound);
}

/**
 * Builds the NotFound error for a schema that does not exist, naming the project instead
 * when that is what is missing.
 */
export async function schemaNotFound(
  db: Queryable,
  project: string,
  name: string,
): Promise<ConnectError> {
  if (!(await projectExists(db, project))) return projectNotFound(project);
  return new ConnectError(`schema "${name}" not found in project "${project}"`, Code.NotFound);
}

/** Builds the NotFound error for a version that a schema does not have. */
export function versionNotFound(project: string, name: string, version: number): ConnectError {
  return new ConnectError(
    `schema "${name}" in project "${project}" has no version ${version}`,
    Code.NotFound,
  );
}

/**
 * Builds the Aborted error for a schema whose latest version is not the expected one, with
 * guardian.v1.VersionConflict (schema set, versions as numbers).
 */
export function latestVersionConflict(
  project: string,
  name: string,
  expected: number,
  current: number,
): ConnectError {
  return new ConnectError(
    `schema "${name}" is at version ${current}, not ${expected}: it changed concurrently; re-read it and retry`,
    Code.Aborted,
    undefined,
    [
      {
        desc: VersionConflictSchema,
        value: create(VersionConflictSchema, {
          project,
          schema: name,
          expectedVersion: BigInt(expected),
          currentVersion: BigInt(current),
        }),
      },
    ],
  );
}
