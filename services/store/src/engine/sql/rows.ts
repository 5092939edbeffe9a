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

/** Builds `$1, $2, ...` for a column list and the matching values from a row object. */
export function valuesOf(
  columns: string,
  row: object,
): { placeholders: string; values: unknown[] } {
  const names = columns.split(",").map((c) => c.trim());
  const get = (n: string) => (row as Record<string, unknown>)[n];
  return {
    placeholders: names.map((_, i) => `$${i + 1}`).join(", "),
    values: names.map((n) => (n === "labels" ? JSON.stringify(get(n) ?? {}) : get(n))),
  };
}
