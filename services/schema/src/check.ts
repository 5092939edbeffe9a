import { create, type JsonObject } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  checkProjectName,
  checkSchemaName,
  LimitExceededSchema,
  type AddSchemaVersionRequest,
  type CreateSchemaRequest,
  type DeleteSchemaRequest,
  type DryRunSchemaVersionRequest,
  type FormatMode,
  type GetSchemaRequest,
  type ListSchemasRequest,
  type ListSchemaVersionsRequest,
  type UpdateSchemaRequest,
  type ValidateDocumentRequest,
} from "@guardian/api";
import { failOn, jsonKindOf, maxLength, notNegative, type Check } from "@guardian/kit";
import { documentOf, formatModeOf } from "./convert.js";
import type { FormatMode as FormatModeName } from "./formats/guardian-formats.js";

function names(req: { project: string; name: string }): Check[] {
  return [
    ["project", checkProjectName(req.project)],
    ["name", checkSchemaName(req.name)],
  ];
}

function versionNumber(version: number): string | undefined {
  const problem = notNegative(version);
  return problem && `${problem} (0 means the latest)`;
}

/** A schema document to check and its format mode, as a write or dry run request gives them. */
export interface CandidateInput {
  /** The schema document: an object or a boolean. */
  content: Record<string, unknown> | boolean;
  formatMode: FormatModeName;
}

interface CandidateFields {
  content?: JsonObject;
  contentValue?: Value;
  formatMode: FormatMode;
}

/** Checks the content fields: exactly one of `content` and `content_value`, a schema shape. */
function contentProblem(req: CandidateFields): Check {
  if (req.content !== undefined && req.contentValue !== undefined) {
    return ["content_value", "must not be set together with content"];
  }
  if (req.contentValue !== undefined) {
    const kind = jsonKindOf(req.contentValue);
    return [
      "content_value",
      kind === "structValue" || kind === "boolValue"
        ? undefined
        : "must be a JSON object or a boolean (a JSON Schema document)",
    ];
  }
  return ["content", req.content === undefined ? "must be set (or content_value)" : undefined];
}

function formatProblem(req: CandidateFields): Check {
  return [
    "format_mode",
    formatModeOf(req.formatMode) === undefined
      ? `unknown format mode ${req.formatMode}; use FORMAT_MODE_ASSERT or FORMAT_MODE_ANNOTATE`
      : undefined,
  ];
}

function candidateOf(req: CandidateFields): CandidateInput {
  const content =
    req.contentValue !== undefined
      ? (documentOf(req.contentValue, "content_value") as Record<string, unknown> | boolean)
      : req.content!;
  return { content, formatMode: formatModeOf(req.formatMode)! };
}

/** Validates a CreateSchema request; returns its schema document and format mode. */
export function checkCreateSchemaRequest(req: CreateSchemaRequest): CandidateInput {
  failOn([
    ...names(req),
    ["description", maxLength(req.description, 2000)],
    contentProblem(req),
    formatProblem(req),
    ["message", maxLength(req.message, 1000)],
  ]);
  return candidateOf(req);
}

/** Validates an AddSchemaVersion request; returns its schema document and format mode. */
export function checkAddSchemaVersionRequest(req: AddSchemaVersionRequest): CandidateInput {
  failOn([
    ...names(req),
    contentProblem(req),
    formatProblem(req),
    ["message", maxLength(req.message, 1000)],
    [
      "expected_latest_version",
      req.expectedLatestVersion !== undefined && req.expectedLatestVersion < 1
        ? "must be at least 1 (a schema always has version 1)"
        : undefined,
    ],
  ]);
  return candidateOf(req);
}

/** Validates a DryRunSchemaVersion request; returns its schema document and format mode. */
export function checkDryRunSchemaVersionRequest(req: DryRunSchemaVersionRequest): CandidateInput {
  failOn([...names(req), contentProblem(req), formatProblem(req)]);
  return candidateOf(req);
}

/** Validates an UpdateSchema request: the mask must name "description" and nothing else. */
export function checkUpdateSchemaRequest(req: UpdateSchemaRequest): void {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => p !== "description");
  failOn([
    ...names(req),
    [
      "update_mask",
      paths.length === 0
        ? 'must not be empty; the only updatable field is "description"'
        : unknown.length > 0
          ? `unknown or immutable paths ${unknown.map((p) => `"${p}"`).join(", ")}; the only updatable field is "description"`
          : undefined,
    ],
    ["description", maxLength(req.description, 2000)],
  ]);
}

/** Validates a GetSchema request. */
export function checkGetSchemaRequest(req: GetSchemaRequest): void {
  failOn([...names(req), ["version", versionNumber(req.version)]]);
}

/** Validates a ListSchemas request (page_size is checked by `pageSize`). */
export function checkListSchemasRequest(req: ListSchemasRequest): void {
  failOn([["project", checkProjectName(req.project)]]);
}

/** Validates a ListSchemaVersions request (page_size is checked by `pageSize`). */
export function checkListSchemaVersionsRequest(req: ListSchemaVersionsRequest): void {
  failOn(names(req));
}

/** Validates a DeleteSchema request. */
export function checkDeleteSchemaRequest(req: DeleteSchemaRequest): void {
  failOn(names(req));
}

/** Validates a ValidateDocument request (the document's size is checked by `checkSize`). */
export function checkValidateDocumentRequest(req: ValidateDocumentRequest): void {
  failOn([
    ...names(req),
    ["version", versionNumber(req.version)],
    [
      "document",
      req.document === undefined || jsonKindOf(req.document) === undefined
        ? "must be set"
        : undefined,
    ],
  ]);
}

/**
 * Fails with ResourceExhausted and guardian.v1.LimitExceeded when JSON text is more than
 * `max` bytes of UTF-8; a retry cannot fix that, so no retry_after is given. Returns the text.
 */
export function checkSize(text: string, max: number, limit: string, what: string): string {
  const actual = Buffer.byteLength(text, "utf8");
  if (actual <= max) return text;
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
