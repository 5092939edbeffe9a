import { metaOf, type RecordRow } from "../../archive/sql/rows.js";
import type { KeyValue } from "../types.js";

/** A store_log row: the change log shares the revision-archive columns. */
export type LogRow = RecordRow;

/** A store_kv row as `pg` returns it. */
export interface KvRow extends Omit<LogRow, "revision" | "deleted" | "previous_revision"> {
  version: string;
  updated_at: Date;
  created_by: string;
}

/** Columns of store_kv. */
export const kvColumns =
  "project, key, value, version, create_revision, change_type, author, message, request_id, " +
  "schema_name, schema_version, validated_schema_version, rolled_back_from, labels, updated_at, " +
  "created_by, created_at";

/** Converts a store_kv row to a key-value. */
export function toKeyValue(r: KvRow): KeyValue {
  return {
    project: r.project,
    key: r.key,
    value: new Uint8Array(r.value),
    version: BigInt(r.version),
    createRevision: BigInt(r.create_revision),
    meta: metaOf(r, r.updated_at),
    createdBy: r.created_by,
    createTime: r.created_at,
  };
}

/**
 * Turns rows into one array per column of `columns` (labels as JSON text), the parameters of
 * a multi-row `INSERT ... SELECT * FROM unnest($1::type[], ...)`.
 */
export function columnArrays(columns: string, rows: object[]): unknown[][] {
  return columns
    .split(",")
    .map((c) => c.trim())
    .map((n) =>
      rows.map((row) => {
        const v = (row as Record<string, unknown>)[n];
        return n === "labels" ? JSON.stringify(v ?? {}) : v;
      }),
    );
}
