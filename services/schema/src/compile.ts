import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import type { ValidateFunction } from "ajv";
import { createAjv, detectDialect, dialectTitles, metaAjv, type DialectName } from "./dialect.js";
import type { SchemaViolation } from "./registry-types.js";
import {
  inDocumentOrder,
  summarizeViolations,
  validationFailure,
  violationsFromAjv,
} from "./violations.js";
import { inspectSchema, type FoundRef } from "./walk.js";

/** A compiled schema document and its dialect. */
export interface CompiledSchema {
  dialect: DialectName;
  /** Validates a JSON value; returns every violation in document order (empty: valid). */
  validate(document: unknown): SchemaViolation[];
}

function wrap(dialect: DialectName, fn: ValidateFunction): CompiledSchema {
  return {
    dialect,
    validate(document) {
      return fn(document) ? [] : violationsFromAjv(fn.errors, document);
    },
  };
}

function invalidSchemaError(
  violations: SchemaViolation[],
  dialect: DialectName | undefined,
): ConnectError {
  const title = dialect ? ` (${dialectTitles[dialect]})` : "";
  return new ConnectError(
    `invalid content: not a valid JSON Schema${title}: ${summarizeViolations(violations)}`,
    Code.InvalidArgument,
    undefined,
    [{ desc: ValidationFailureSchema, value: validationFailure(violations) }],
  );
}

/** Explains a compile failure, pointing at the unresolvable reference when there is one. */
function compileViolation(err: unknown, refs: FoundRef[]): SchemaViolation {
  const message = err instanceof Error ? err.message : String(err);
  const missing = (err as { missingRef?: unknown }).missingRef;
  if (typeof missing === "string") {
    const at = refs.find((r) => missing === r.ref || missing.endsWith(r.ref));
    return {
      pointer: at?.pointer ?? "",
      keyword: "$ref",
      schemaPointer: "",
      message: `cannot resolve reference "${at?.ref ?? missing}"`,
    };
  }
  return { pointer: "", keyword: "compile", schemaPointer: "", message };
}

/**
 * Checks a candidate schema document completely and compiles it: the dialect from
 * `$schema`, the dialect's meta-schema, strict keywords and formats, local references
 * only, and compilation. Throws InvalidArgument with guardian.v1.ValidationFailure
 * (violations located by pointers into the schema document) when it is not acceptable.
 */
export function compileCandidate(content: Record<string, unknown>): CompiledSchema {
  const dialect = detectDialect(content);
  if (typeof dialect !== "string") throw invalidSchemaError([dialect], undefined);
  const meta = metaAjv(dialect);
  if (!meta.validateSchema(content)) {
    throw invalidSchemaError(violationsFromAjv(meta.errors, content), dialect);
  }
  const { violations, refs } = inspectSchema(content, meta);
  if (violations.length > 0) {
    throw invalidSchemaError(inDocumentOrder(violations, content), dialect);
  }
  try {
    return wrap(dialect, createAjv(dialect, false).compile(content));
  } catch (err) {
    throw invalidSchemaError([compileViolation(err, refs)], dialect);
  }
}

/**
 * Compiles a stored schema version, which was fully checked when it was added. A fresh ajv
 * instance per version keeps compiled schemas independent, so one can be evicted from a
 * cache without leaking, and equal `$id`s in different schemas never clash.
 */
export function compileStored(content: unknown, dialect: DialectName): CompiledSchema {
  return wrap(dialect, createAjv(dialect, false).compile(content as object));
}
