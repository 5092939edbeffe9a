import {
  checkConfigKey,
  checkIdempotencyKey,
  checkKeyPrefix,
  checkLabels,
  checkProjectName,
  checkSchemaName,
} from "@guardian/api";
import type {
  CreateConfigRequest,
  DeleteConfigRequest,
  DiffRevisionsRequest,
  GetConfigRequest,
  GetRevisionRequest,
  ListConfigsRequest,
  ListRevisionsRequest,
  ReadConfigRequest,
  RollbackConfigRequest,
  UpdateConfigRequest,
  WatchRequest,
} from "@guardian/api";
import { failOn, maxLength, notNegative, type Check } from "@guardian/kit";

const target = (req: { project: string; key: string }): Check[] => [
  ["project", checkProjectName(req.project)],
  ["key", checkConfigKey(req.key)],
];

const writeExtras = (req: {
  idempotencyKey: string;
  message: string;
  expectedVersion?: bigint;
}): Check[] => [
  ["idempotency_key", checkIdempotencyKey(req.idempotencyKey)],
  ["message", maxLength(req.message, 1000)],
  ["expected_version", notNegative(req.expectedVersion)],
];

/** Validates a CreateConfig request. */
export function checkCreateConfigRequest(req: CreateConfigRequest): void {
  failOn([
    ...target(req),
    ["content", req.content ? undefined : "is required (a JSON null is a value)"],
    ["schema", checkSchemaName(req.schema)],
    ["schema_version", notNegative(req.schemaVersion)],
    ["labels", checkLabels(req.labels)],
    ...writeExtras(req),
  ]);
}

const updatePaths = new Set(["content", "schema", "schema_version", "labels"]);

/** Validates an UpdateConfig request and returns its effective update mask. */
export function checkUpdateConfigRequest(req: UpdateConfigRequest): Set<string> {
  const paths = req.updateMask?.paths.length ? req.updateMask.paths : ["content"];
  const unknown = paths.filter((p) => !updatePaths.has(p));
  const mask = new Set(paths);
  failOn([
    ...target(req),
    [
      "update_mask",
      unknown.length > 0
        ? `unknown paths ${unknown.map((p) => `"${p}"`).join(", ")}; allowed: content, schema, schema_version, labels`
        : undefined,
    ],
    ["content", mask.has("content") && !req.content ? "is required by update_mask" : undefined],
    ["schema", mask.has("schema") ? checkSchemaName(req.schema) : undefined],
    ["schema_version", notNegative(req.schemaVersion)],
    ["labels", checkLabels(req.labels)],
    ...writeExtras(req),
  ]);
  return mask;
}

/** Validates a DeleteConfig request. */
export function checkDeleteConfigRequest(req: DeleteConfigRequest): void {
  failOn([...target(req), ...writeExtras(req)]);
}

/** Validates a RollbackConfig request. */
export function checkRollbackConfigRequest(req: RollbackConfigRequest): void {
  failOn([
    ...target(req),
    ["to_revision", req.toRevision > 0n ? undefined : "must be a revision of the config (> 0)"],
    ...writeExtras(req),
  ]);
}

/** Validates a GetConfig request. */
export function checkGetConfigRequest(req: GetConfigRequest): void {
  failOn([
    ...target(req),
    ["revision", notNegative(req.revision)],
    ["min_revision", notNegative(req.minRevision)],
    [
      "min_revision",
      req.revision > 0n && req.minRevision > 0n
        ? "set revision or min_revision, not both"
        : undefined,
    ],
  ]);
}

/** Validates a ListConfigs request. */
export function checkListConfigsRequest(req: ListConfigsRequest): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["prefix", checkKeyPrefix(req.prefix)],
    ["schema", req.schema === "" ? undefined : checkSchemaName(req.schema)],
    ["label_selector", checkLabels(req.labelSelector)],
    ["page_size", notNegative(req.pageSize)],
    ["min_revision", notNegative(req.minRevision)],
  ]);
}

/** Validates a ReadConfig request. */
export function checkReadConfigRequest(req: ReadConfigRequest): void {
  failOn([
    ...target(req),
    ["if_none_match", notNegative(req.ifNoneMatch)],
    ["min_revision", notNegative(req.minRevision)],
  ]);
}

/** Validates a ListRevisions request. */
export function checkListRevisionsRequest(req: ListRevisionsRequest): void {
  failOn([...target(req), ["page_size", notNegative(req.pageSize)]]);
}

/** Validates a GetRevision request. */
export function checkGetRevisionRequest(req: GetRevisionRequest): void {
  failOn([
    ...target(req),
    ["revision", req.revision > 0n ? undefined : "must be a revision of the config (> 0)"],
  ]);
}

/** Validates a DiffRevisions request. */
export function checkDiffRevisionsRequest(req: DiffRevisionsRequest): void {
  failOn([
    ...target(req),
    ["from_revision", notNegative(req.fromRevision)],
    ["to_revision", notNegative(req.toRevision)],
  ]);
}

/** Validates a Watch request. */
export function checkWatchRequest(req: WatchRequest): void {
  const { target: t } = req;
  failOn([
    ["project", checkProjectName(req.project)],
    ["key", t.case === "key" ? checkConfigKey(t.value) : undefined],
    ["prefix", t.case === "prefix" ? checkKeyPrefix(t.value) : undefined],
    ["start_revision", notNegative(req.startRevision)],
    [
      "send_initial_snapshot",
      req.sendInitialSnapshot && req.startRevision !== 0n
        ? "requires start_revision = 0"
        : undefined,
    ],
  ]);
}
