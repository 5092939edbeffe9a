import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { VersionConflictSchema } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import { projectExists } from "./queries.js";

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
