import {
  checkConfigKey,
  checkIdempotencyKey,
  checkKeyPrefix,
  checkLabels,
  checkProjectName,
  checkSchemaName,
  WriteOp,
} from "@guardian/api";
import type { GetRequest, RangeRequest, WatchKeysRequest, WriteRequest } from "@guardian/api";
import { failOn, notNegative } from "@guardian/kit";

/** Validates a Write request; returns the fields the engine takes as they are. */
export function checkWriteRequest(req: WriteRequest): {
  project: string;
  key: string;
  expectedVersion?: bigint;
  mustExist: boolean;
  idempotencyKey?: string;
} {
  failOn([
    ["project", checkProjectName(req.project)],
    ["key", checkConfigKey(req.key)],
    ["idempotency_key", checkIdempotencyKey(req.idempotencyKey)],
    ["op", req.op === WriteOp.UNSPECIFIED ? "must be WRITE_OP_PUT or WRITE_OP_DELETE" : undefined],
    ["expected_version", notNegative(req.expectedVersion)],
    [
      "value",
      req.op === WriteOp.DELETE && req.value.length > 0 ? "must be empty for a delete" : undefined,
    ],
  ]);
  return {
    project: req.project,
    key: req.key,
    expectedVersion: req.expectedVersion,
    mustExist: req.mustExist,
    idempotencyKey: req.idempotencyKey || undefined,
  };
}

/** Validates the project and key of a single-key read. */
export function checkGetRequest(req: Pick<GetRequest, "project" | "key">): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["key", checkConfigKey(req.key)],
  ]);
}

/** Validates a Range request. */
export function checkRangeRequest(req: RangeRequest): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["prefix", checkKeyPrefix(req.prefix)],
    ["revision", notNegative(req.revision)],
    ["min_revision", notNegative(req.minRevision)],
    ["schema", req.schema === "" ? undefined : checkSchemaName(req.schema)],
    ["label_selector", checkLabels(req.labelSelector)],
  ]);
}

/** Validates a WatchKeys request: an empty project watches every project. */
export function checkWatchRequest(req: WatchKeysRequest): void {
  failOn([
    ["project", req.project === "" ? undefined : checkProjectName(req.project)],
    ["key", req.key === "" ? undefined : checkConfigKey(req.key)],
    ["prefix", checkKeyPrefix(req.prefix)],
    ["key", req.key !== "" && req.prefix !== "" ? "set key or prefix, not both" : undefined],
    ["start_revision", notNegative(req.startRevision)],
  ]);
}
