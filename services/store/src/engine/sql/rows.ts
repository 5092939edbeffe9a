import type { ChangeKind, KeyValue, RevisionRecord } from "../types.js";

/** A store_log / revision_archive row as `pg` returns it (bigints as strings). */
export interface LogRow {
  revision: string;
  project: string;
  key: string;
  create_revision: string;
  previous_revision: string;
  change_type: string;
  value: Buffer;
  deleted: boolean;
  author: string;
  message: string;
  request_id: string;
  schema_name: string;
  schema_version: number;
  validated_schema_version: number;
  rolled_back_from: string;
  labels: Record<string, string>;
  created_at: Date;
}

/** A store_kv row as `pg` returns it. */
export interface KvRow extends Omit<LogRow, "revision" | "deleted" | "previous_revision"> {
  version: string;
  updated_at: Date;
  created_by: string;
}

/** Columns of store_log and revision_archive, in the order {@link LogRow} names them. */
export const logColumns =
  "revision, project, key, create_revision, previous_revision, change_type, value, deleted, " +
  "author, message, request_id, schema_name, schema_version, validated_schema_version, " +
  "rolled_back_from, labels, created_at";

/** Columns of store_kv. */
export const kvColumns =
  "project, key, value, version, create_revision, change_type, author, message, request_id, " +
  "schema_name, schema_version, validated_schema_version, rolled_back_from, labels, updated_at, " +
  "created_by, created_at";

/** Converts a change-log row to a revision record. */
export function toRecord(r: LogRow): RevisionRecord {
  return {
    project: r.project,
    key: r.key,
    revision: BigInt(r.revision),
    createRevision: BigInt(r.create_revision),
    previousRevision: BigInt(r.previous_revision),
    value: new Uint8Array(r.value),
    deleted: r.deleted,
    meta: {
      author: r.author,
      message: r.message,
      requestId: r.request_id,
      schema: r.schema_name,
      schemaVersion: r.schema_version,
      validatedSchemaVersion: r.validated_schema_version,
      labels: r.labels,
      changeKind: r.change_type as ChangeKind,
      rolledBackFrom: BigInt(r.rolled_back_from),
      time: r.created_at,
    },
  };
}

/** Converts a store_kv row to a key-value. */
export function toKeyValue(r: KvRow): KeyValue {
  return {
    project: r.project,
    key: r.key,
    value: new Uint8Array(r.value),
    version: BigInt(r.version),
    createRevision: BigInt(r.create_revision),
    meta: {
      author: r.author,
      message: r.message,
      requestId: r.request_id,
      schema: r.schema_name,
      schemaVersion: r.schema_version,
      validatedSchemaVersion: r.validated_schema_version,
      labels: r.labels,
      changeKind: r.change_type as ChangeKind,
      rolledBackFrom: BigInt(r.rolled_back_from),
      time: r.updated_at,
    },
    createdBy: r.created_by,
    createTime: r.created_at,
  };
}
