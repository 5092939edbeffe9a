import {
  checkConfigKey,
  checkIdempotencyKey,
  checkKeyPrefix,
  checkProjectName,
  WriteOp,
} from "@guardian/api";
import type { GetRequest, RangeRequest, WatchKeysRequest, WriteRequest } from "@guardian/api";
import { invalidArgument } from "@guardian/kit";

type Violation = { field: string; description: string };

function collect(checks: Array<[string, string | undefined]>): Violation[] {
  return checks.flatMap(([field, problem]) => (problem ? [{ field, description: problem }] : []));
}

function fail(violations: Violation[]): void {
  if (violations.length > 0) throw invalidArgument(violations);
}

/** Validates a Write request; returns the fields the engine takes as they are. */
export function checkWriteRequest(req: WriteRequest): {
  project: string;
  key: string;
  expectedVersion?: bigint;
  mustExist: boolean;
  idempotencyKey?: string;
} {
  const v = collect([
    ["project", checkProjectName(req.project)],
    ["key", checkConfigKey(req.key)],
    ["idempotency_key", checkIdempotencyKey(req.idempotencyKey)],
    ["op", req.op === WriteOp.UNSPECIFIED ? "must be WRITE_OP_PUT or WRITE_OP_DELETE" : undefined],
    [
      "expected_version",
      req.expectedVersion !== undefined && req.expectedVersion < 0n
        ? "must not be negative"
        : undefined,
    ],
    [
      "value",
      req.op === WriteOp.DELETE && req.value.length > 0 ? "must be empty for a delete" : undefined,
    ],
  ]);
  fail(v);
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
  fail(
    collect([
      ["project", checkProjectName(req.project)],
      ["key", checkConfigKey(req.key)],
    ]),
  );
}

/** Validates a Range request. */
export function checkRangeRequest(req: RangeRequest): void {
  fail(
    collect([
      ["project", checkProjectName(req.project)],
      ["prefix", checkKeyPrefix(req.prefix)],
      ["revision", req.revision < 0n ? "must not be negative" : undefined],
      ["min_revision", req.minRevision < 0n ? "must not be negative" : undefined],
    ]),
  );
}

/** Validates a WatchKeys request: an empty project watches every project. */
export function checkWatchRequest(req: WatchKeysRequest): void {
  fail(
    collect([
      ["project", req.project === "" ? undefined : checkProjectName(req.project)],
      ["key", req.key === "" ? undefined : checkConfigKey(req.key)],
      ["prefix", checkKeyPrefix(req.prefix)],
      ["key", req.key !== "" && req.prefix !== "" ? "set key or prefix, not both" : undefined],
      ["start_revision", req.startRevision < 0n ? "must not be negative" : undefined],
    ]),
  );
}
