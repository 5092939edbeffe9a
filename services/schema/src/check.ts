import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  checkProjectName,
  checkSchemaName,
  LimitExceededSchema,
  type AddSchemaVersionRequest,
  type CreateSchemaRequest,
  type DeleteSchemaRequest,
  type DryRunSchemaVersionRequest,
  type GetSchemaRequest,
  type ListSchemasRequest,
  type ListSchemaVersionsRequest,
  type UpdateSchemaRequest,
  type ValidateDocumentRequest,
} from "@guardian/api";
import { invalidArgument, type FieldViolationInit } from "@guardian/kit";

type Check = [field: string, problem: string | undefined];

function fail(checks: Check[]): void {
  const violations: FieldViolationInit[] = checks.flatMap(([field, problem]) =>
    problem ? [{ field, description: problem }] : [],
  );
  if (violations.length > 0) throw invalidArgument(violations);
}

function atMost(text: string, max: number): string | undefined {
  const length = [...text].length;
  return length > max ? `must be at most ${max} characters, got ${length}` : undefined;
}

function names(req: { project: string; name: string }): Check[] {
  return [
    ["project", checkProjectName(req.project)],
    ["name", checkSchemaName(req.name)],
  ];
}

function isSet(value: unknown): string | undefined {
  return value === undefined ? "must be set" : undefined;
}

function versionNumber(version: number): string | undefined {
  return version < 0 ? "must not be negative (0 means the latest)" : undefined;
}

/** Validates a CreateSchema request; returns its content. */
export function checkCreateSchemaRequest(req: CreateSchemaRequest): Record<string, unknown> {
  fail([
    ...names(req),
    ["description", atMost(req.description, 2000)],
    ["content", isSet(req.content)],
    ["message", atMost(req.message, 1000)],
  ]);
  return req.content!;
}

/** Validates an AddSchemaVersion request; returns its content. */
export function checkAddSchemaVersionRequest(
  req: AddSchemaVersionRequest,
): Record<string, unknown> {
  fail([
    ...names(req),
    ["content", isSet(req.content)],
    ["message", atMost(req.message, 1000)],
    [
      "expected_latest_version",
      req.expectedLatestVersion !== undefined && req.expectedLatestVersion < 1
        ? "must be at least 1 (a schema always has version 1)"
        : undefined,
    ],
  ]);
  return req.content!;
}

/** Validates a DryRunSchemaVersion request; returns its content. */
export function checkDryRunSchemaVersionRequest(
  req: DryRunSchemaVersionRequest,
): Record<string, unknown> {
  fail([...names(req), ["content", isSet(req.content)]]);
  return req.content!;
}

/** Validates an UpdateSchema request: the mask must name "description" and nothing else. */
export function checkUpdateSchemaRequest(req: UpdateSchemaRequest): void {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => p !== "description");
  fail([
    ...names(req),
    [
      "update_mask",
      paths.length === 0
        ? 'must not be empty; the only updatable field is "description"'
        : unknown.length > 0
          ? `unknown or immutable paths ${unknown.map((p) => `"${p}"`).join(", ")}; the only updatable field is "description"`
          : undefined,
    ],
    ["description", atMost(req.description, 2000)],
  ]);
}

/** Validates a GetSchema request. */
export function checkGetSchemaRequest(req: GetSchemaRequest): void {
  fail([...names(req), ["version", versionNumber(req.version)]]);
}

/** Validates a ListSchemas request (page_size is checked by `pageSize`). */
export function checkListSchemasRequest(req: ListSchemasRequest): void {
  fail([["project", checkProjectName(req.project)]]);
}

/** Validates a ListSchemaVersions request (page_size is checked by `pageSize`). */
export function checkListSchemaVersionsRequest(req: ListSchemaVersionsRequest): void {
  fail(names(req));
}

/** Validates a DeleteSchema request. */
export function checkDeleteSchemaRequest(req: DeleteSchemaRequest): void {
  fail(names(req));
}

/** Validates a ValidateDocument request (the document's size is checked by `checkSize`). */
export function checkValidateDocumentRequest(req: ValidateDocumentRequest): void {
  fail([
    ...names(req),
    ["version", versionNumber(req.version)],
    ["document", req.document?.kind.case === undefined ? "must be set" : undefined],
  ]);
}

/**
 * Fails with ResourceExhausted and guardian.v1.LimitExceeded when a JSON value serializes
 * to more than `max` bytes; a retry cannot fix that, so no retry_after is given.
 */
export function checkSize(value: unknown, max: number, limit: string, what: string): void {
  const actual = Buffer.byteLength(JSON.stringify(value), "utf8");
  if (actual <= max) return;
  throw new ConnectError(
    `${what} is ${actual} bytes of JSON, more than the limit of ${max} bytes`,
    Code.ResourceExhausted,
    undefined,
    [
      {
        desc: LimitExceededSchema,
        value: create(LimitExceededSchema, { limit, max: BigInt(max), actual: BigInt(actual) }),
      },
    ],
  );
}
