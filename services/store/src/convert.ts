import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import {
  ChangeType,
  KeyValueSchema,
  RevisionMetaSchema,
  StoredRevisionSchema,
  type KeyValue as KeyValueMsg,
  type RevisionMeta as RevisionMetaMsg,
  type StoredRevision,
} from "@guardian/api";
import type { ChangeKind, KeyValue, RevisionMeta, RevisionRecord } from "./engine/types.js";

const toChangeType: Record<ChangeKind, ChangeType> = {
  create: ChangeType.CREATE,
  update: ChangeType.UPDATE,
  delete: ChangeType.DELETE,
  rollback: ChangeType.ROLLBACK,
};

/** Converts engine metadata to its protobuf message. */
export function metaToProto(m: RevisionMeta): RevisionMetaMsg {
  return create(RevisionMetaSchema, {
    author: m.author,
    message: m.message,
    requestId: m.requestId,
    schema: m.schema,
    schemaVersion: m.schemaVersion,
    validatedSchemaVersion: m.validatedSchemaVersion,
    changeType: toChangeType[m.changeKind],
    rolledBackFrom: m.rolledBackFrom,
    labels: m.labels,
    time: timestampFromDate(m.time),
  });
}

/** Converts a protobuf RevisionMeta of a write request into engine metadata. */
export function metaFromProto(m: RevisionMetaMsg | undefined): Omit<RevisionMeta, "time"> {
  return {
    author: m?.author ?? "",
    message: m?.message ?? "",
    requestId: m?.requestId ?? "",
    schema: m?.schema ?? "",
    schemaVersion: m?.schemaVersion ?? 0,
    validatedSchemaVersion: m?.validatedSchemaVersion ?? 0,
    labels: { ...(m?.labels ?? {}) },
    // The engine works out create/update/delete; callers only ever ask for a rollback.
    changeKind: m?.changeType === ChangeType.ROLLBACK ? "rollback" : "update",
    rolledBackFrom: m?.rolledBackFrom ?? 0n,
  };
}

/** Converts an engine key-value to its protobuf message. */
export function kvToProto(kv: KeyValue): KeyValueMsg {
  return create(KeyValueSchema, {
    project: kv.project,
    key: kv.key,
    value: kv.value,
    version: kv.version,
    createRevision: kv.createRevision,
    meta: metaToProto(kv.meta),
    createdBy: kv.createdBy,
    createTime: timestampFromDate(kv.createTime),
  });
}

/** Converts an engine revision record to its protobuf message. */
export function recordToProto(r: RevisionRecord): StoredRevision {
  return create(StoredRevisionSchema, {
    project: r.project,
    key: r.key,
    revision: r.revision,
    previousRevision: r.previousRevision,
    value: r.value,
    meta: metaToProto(r.meta),
    deleted: r.deleted,
  });
}

/** Converts an optional protobuf duration to milliseconds (undefined when unset or zero). */
export function durationMs(d: Duration | undefined): number | undefined {
  if (!d) return undefined;
  const ms = Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
  return ms > 0 ? ms : undefined;
}
