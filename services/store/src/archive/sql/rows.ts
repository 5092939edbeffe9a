import type { ChangeKind, RevisionMeta, RevisionRecord } from "../../engine/types.js";

/**
 * A revision-record row as `pg` returns it (bigints as strings). The SQL engine's change log
 * (`store_log`) and the revision archive (`revision_archive`) share these columns.
 */
export interface RecordRow {
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
  /** Who created the key's incarnation, and when (null on rows written before 0017). */
  key_created_by: string | null;
  key_created_at: Date | null;
}

/** The columns of {@link RecordRow}, in its order. */
export const recordColumns =
  "revision, project, key, create_revision, previous_revision, change_type, value, deleted, " +
  "author, message, request_id, schema_name, schema_version, validated_schema_version, " +
  "rolled_back_from, labels, created_at, key_created_by, key_created_at";

/** The metadata columns every revision row carries. */
export type MetaColumns = Pick<
  RecordRow,
  | "author"
  | "message"
  | "request_id"
  | "schema_name"
  | "schema_version"
  | "validated_schema_version"
  | "labels"
  | "change_type"
  | "rolled_back_from"
>;

/** Reads the revision metadata of a row; `time` is the row's commit time. */
export function metaOf(r: MetaColumns, time: Date): RevisionMeta {
  return {
    author: r.author,
    message: r.message,
    requestId: r.request_id,
    schema: r.schema_name,
    schemaVersion: r.schema_version,
    validatedSchemaVersion: r.validated_schema_version,
    labels: r.labels,
    changeKind: r.change_type as ChangeKind,
    rolledBackFrom: BigInt(r.rolled_back_from),
    time,
  };
}

/** Converts a revision-record row to a revision record. */
export function toRecord(r: RecordRow): RevisionRecord {
  return {
    project: r.project,
    key: r.key,
    revision: BigInt(r.revision),
    createRevision: BigInt(r.create_revision),
    previousRevision: BigInt(r.previous_revision),
    value: new Uint8Array(r.value),
    deleted: r.deleted,
    meta: metaOf(r, r.created_at),
    ...(r.key_created_by !== null && r.key_created_at !== null
      ? { creator: { author: r.key_created_by, time: r.key_created_at } }
      : {}),
  };
}
