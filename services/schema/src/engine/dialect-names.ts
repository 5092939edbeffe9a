// The JSON Schema dialects by name: what the service's handlers need, without ajv (which
// only the schema worker threads load).
import { Dialect } from "@guardian/api";
import type { SchemaViolation } from "../contract.js";

/** The JSON Schema drafts Guardian accepts, as stored in `schema_versions.dialect`. */
export type DialectName = "draft-07" | "draft-2020-12";

const metaSchemaIds: Record<string, DialectName> = {
  "http://json-schema.org/draft-07/schema": "draft-07",
  "https://json-schema.org/draft/2020-12/schema": "draft-2020-12",
};

const protoDialects: Record<DialectName, Dialect> = {
  "draft-07": Dialect.DRAFT_07,
  "draft-2020-12": Dialect.DRAFT_2020_12,
};

/** Human-readable dialect names for messages. */
export const dialectTitles: Record<DialectName, string> = {
  "draft-07": "draft-07",
  "draft-2020-12": "draft 2020-12",
};

/** Converts a stored dialect name to the API enum. */
export function dialectToProto(name: string): Dialect {
  return protoDialects[name as DialectName] ?? Dialect.UNSPECIFIED;
}

/**
 * Detects the dialect of a schema document from `$schema` (absent: draft 2020-12), or
 * returns the violation that refuses it.
 */
export function detectDialect(content: Record<string, unknown>): DialectName | SchemaViolation {
  const declared = content["$schema"];
  if (declared === undefined) return "draft-2020-12";
  const dialect =
    typeof declared === "string" ? metaSchemaIds[declared.replace(/#$/, "")] : undefined;
  if (dialect) return dialect;
  return {
    pointer: "/$schema",
    keyword: "$schema",
    schemaPointer: "",
    message:
      'must be "https://json-schema.org/draft/2020-12/schema" or ' +
      '"http://json-schema.org/draft-07/schema#" (absent means draft 2020-12)',
  };
}
