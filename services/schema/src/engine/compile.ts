import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import type { ValidateFunction } from "ajv";
import { createAjv, metaAjv } from "./dialect.js";
import { detectDialect, dialectTitles, type DialectName } from "./dialect-names.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import { inspectSchema, type FoundRef } from "./inspect.js";
import { forAjv } from "./normalize.js";
import type { SchemaViolation } from "../contract.js";
import {
  inDocumentOrder,
  summarizeViolations,
  validationFailure,
  violationsFromAjv,
} from "./violations.js";

/** A compiled schema document and its dialect. */
export interface CompiledSchema {
  dialect: DialectName;
  formats: FormatMode;
  /**
   * Lint-style findings about the document (unknown keywords and formats, keywords without
   * effect), with pointers into it; empty for stored schemas, which were inspected when added.
   */
  warnings: SchemaViolation[];
  /** Validates a JSON value; returns every violation in document order (empty: valid). */
  validate(document: unknown): SchemaViolation[];
}

/** Options of {@link compileCandidate} and {@link compileStored}. */
export interface CompileOptions {
  /** Whether `format` is asserted (the default) or only an annotation. */
  formats?: FormatMode;
}

function build(content: unknown, dialect: DialectName, formats: FormatMode) {
  const ajv = createAjv(dialect, false, { formats, dynamicScope: true });
  const isKeyword = (keyword: string) => Boolean(ajv.RULES.keywords[keyword]);
  const prepared = forAjv(content, dialect, isKeyword);
  return { fn: ajv.compile(prepared as object | boolean), prepared };
}

function wrap(
  dialect: DialectName,
  formats: FormatMode,
  fn: ValidateFunction,
  warnings: SchemaViolation[] = [],
): CompiledSchema {
  return {
    dialect,
    formats,
    warnings,
    validate(document) {
      // A RangeError (a document nested too deeply, or dynamic references that recurse for
      // it) propagates: the workers answer it with InvalidArgument, never with a pass.
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
  const { missingRef, missingSchema } = err as { missingRef?: unknown; missingSchema?: unknown };
  if (typeof missingRef === "string") {
    const at =
      refs.find((r) => missingRef === r.ref || missingRef.endsWith(r.ref)) ??
      refs.find(
        (r) =>
          typeof missingSchema === "string" &&
          r.ref.startsWith("#") === false &&
          missingSchema.endsWith(r.ref.replace(/#.*$/, "")),
      );
    const outside =
      typeof missingSchema === "string" && missingSchema !== ""
        ? `: "${missingSchema}" is neither this document nor a schema with that "$id" inside it, and schemas are never fetched`
        : ": no such location in this document";
    return {
      pointer: at?.pointer ?? "",
      keyword: "$ref",
      schemaPointer: "",
      message: `cannot resolve reference "${at?.ref ?? missingRef}"${outside}`,
    };
  }
  const dynamicRef = refs.find((r) => r.pointer.endsWith("/$dynamicRef"));
  if (err instanceof RangeError && dynamicRef) {
    return {
      pointer: dynamicRef.pointer,
      keyword: "$dynamicRef",
      schemaPointer: "",
      message:
        'evaluating the "$dynamicRef"s of this schema recurses without end: no schema is ever reached through them',
    };
  }
  if (err instanceof RangeError) {
    return {
      pointer: "",
      keyword: "$ref",
      schemaPointer: "",
      message: "references recurse without end: no schema is ever reached through them",
    };
  }
  return { pointer: "", keyword: "compile", schemaPointer: "", message };
}

/** Tells whether a value can be a schema document: an object or a boolean. */
function isSchemaShaped(content: unknown): content is Record<string, unknown> | boolean {
  return (
    typeof content === "boolean" ||
    (typeof content === "object" && content !== null && !Array.isArray(content))
  );
}

/**
 * Checks a candidate schema document completely and compiles it: the dialect from
 * `$schema`, the dialect's meta-schema, references inside the document only, and
 * compilation. Every valid schema of either dialect is accepted, boolean schemas included;
 * what strict linting finds comes back as warnings. Throws InvalidArgument with
 * guardian.v1.ValidationFailure (violations located by pointers into the schema document)
 * when it is not acceptable.
 */
export function compileCandidate(content: unknown, opts: CompileOptions = {}): CompiledSchema {
  const formats = opts.formats ?? "assert";
  if (!isSchemaShaped(content)) {
    throw invalidSchemaError(
      [
        {
          pointer: "",
          keyword: "type",
          schemaPointer: "",
          message: "must be an object or a boolean",
        },
      ],
      undefined,
    );
  }
  const dialect = typeof content === "boolean" ? "draft-2020-12" : detectDialect(content);
  if (typeof dialect !== "string") throw invalidSchemaError([dialect], undefined);
  const meta = metaAjv(dialect);
  if (!meta.validateSchema(content)) {
    throw invalidSchemaError(violationsFromAjv(meta.errors, content), dialect);
  }
  const { violations, warnings, refs } = inspectSchema(content, dialect, meta, formats);
  if (violations.length > 0) {
    throw invalidSchemaError(inDocumentOrder(violations, content), dialect);
  }
  let fn: ValidateFunction;
  try {
    const built = build(content, dialect, formats);
    fn = built.fn;
    // A validator whose references recurse without end fails on every value of some type;
    // one value of each type finds it before any config depends on the schema.
    for (const probe of probes) fn(probe);
  } catch (err) {
    throw invalidSchemaError([compileViolation(err, refs)], dialect);
  }
  return wrap(dialect, formats, fn, inDocumentOrder(warnings, content));
}

const probes: unknown[] = [null, true, 0, "", [], {}];

/**
 * Compiles a stored schema version, which was fully checked when it was added. A fresh ajv
 * instance per version keeps compiled schemas independent, so one can be evicted from a
 * cache without leaking, and equal `$id`s in different schemas never clash.
 */
export function compileStored(
  content: unknown,
  dialect: DialectName,
  opts: CompileOptions = {},
): CompiledSchema {
  const formats = opts.formats ?? "assert";
  return wrap(dialect, formats, build(content, dialect, formats).fn);
}
