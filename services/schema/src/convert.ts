import {
  fromJson,
  type JsonObject,
  type JsonValue,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { badRequest, jsonOfValue, jsonTextOfValue } from "@guardian/kit";
import { FormatMode, type SchemaSchema, type SchemaVersionSchema } from "@guardian/api";
import type { FormatMode as FormatModeName } from "./formats/guardian-formats.js";
import { dialectToProto } from "./engine/dialect-names.js";
import type { VersionRow } from "./sql/schema-versions.js";
import type { SchemaRow } from "./sql/schemas.js";

/** Converts a `schemas` row to a guardian.schema.v1.Schema. */
export function schemaToProto(row: SchemaRow): MessageInitShape<typeof SchemaSchema> {
  return {
    project: row.project,
    name: row.name,
    description: row.description,
    latestVersion: row.latest_version,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    createdBy: row.created_by,
  };
}

/** Converts a `schema_versions` row to a guardian.schema.v1.SchemaVersion. */
export function versionToProto(row: VersionRow): MessageInitShape<typeof SchemaVersionSchema> {
  return {
    project: row.project,
    name: row.name,
    version: row.version,
    content:
      typeof row.content === "object" && row.content !== null
        ? (row.content as JsonObject)
        : undefined,
    contentValue:
      row.content === null ? undefined : fromJson(ValueSchema, row.content as JsonValue),
    dialect: dialectToProto(row.dialect),
    formatMode: formatModeToProto(row.format_mode),
    message: row.message,
    createTime: timestampFromDate(row.created_at),
    createdBy: row.created_by,
    forced: row.forced,
  };
}

const formatModes: Record<FormatModeName, FormatMode> = {
  assert: FormatMode.ASSERT,
  annotate: FormatMode.ANNOTATE,
};

/** Converts a stored format mode to the API enum. */
export function formatModeToProto(mode: FormatModeName): FormatMode {
  return formatModes[mode];
}

/** Converts a requested format mode (UNSPECIFIED: assert); undefined for unknown numbers. */
export function formatModeOf(mode: FormatMode): FormatModeName | undefined {
  if (mode === FormatMode.UNSPECIFIED || mode === FormatMode.ASSERT) return "assert";
  return mode === FormatMode.ANNOTATE ? "annotate" : undefined;
}

/** Converts a google.protobuf.Value to plain JSON; a value without a kind is InvalidArgument. */
export function documentOf(value: Value, field: string): JsonValue {
  try {
    return jsonOfValue(value);
  } catch {
    return badRequest(field, "must be a JSON value (every nested value must be set)");
  }
}

/** {@link documentOf} as JSON text (protobuf-es `toJsonString`). */
export function documentTextOf(value: Value, field: string): string {
  try {
    return jsonTextOfValue(value);
  } catch {
    return badRequest(field, "must be a JSON value (every nested value must be set)");
  }
}

/** Tells whether two JSON values are equal as JSON: object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return (
    ak.length === Object.keys(bo).length &&
    ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]))
  );
}
