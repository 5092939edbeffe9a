import type { Code } from "@connectrpc/connect";
import { Code as Codes, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema, type ValidationFailure } from "@guardian/api";
import { LRUCache } from "lru-cache";
import { compileCandidate, compileStored, type CompiledSchema } from "../engine/compile.js";
import type { DialectName } from "../engine/dialect-names.js";
import { maxViolations } from "../engine/violations.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import type { SchemaViolation } from "../contract.js";

/**
 * A schema as the workers receive it. `key` names its content: equal keys always mean equal
 * content (a concrete stored version, or a hash of a candidate), so a worker can reuse what
 * it compiled. The content travels as JSON text, which is cheap to send and parsed only
 * when the worker has not compiled it yet.
 */
export interface SchemaSource {
  key: string;
  /** The schema document (an object or a boolean) as JSON text. */
  content: string;
  dialect: DialectName;
  /** What `format` does; absent: "assert". */
  formats?: FormatMode;
}

/** Checks a candidate schema document completely and compiles it (see compileCandidate). */
export interface CompileRequest {
  kind: "compile";
  schema: Omit<SchemaSource, "dialect">;
}

/** Validates JSON documents (as text) against a schema that was checked when it was stored. */
export interface ValidateRequest {
  kind: "validate";
  schema: SchemaSource;
  documents: string[];
}

/** What a worker is asked to do. */
export type WorkerRequest = CompileRequest | ValidateRequest;

/** A refusal to pass on to the caller as a ConnectError. */
export interface WorkerError {
  code: Code;
  message: string;
  failure?: ValidationFailure;
}

/** The answer to a {@link CompileRequest}. */
export type CompileReply =
  | { ok: true; dialect: DialectName; warnings: SchemaViolation[] }
  | { ok: false; error: WorkerError };

/**
 * The answer to a {@link ValidateRequest}: violations per document, in document order, at
 * most {@link maxViolations} + 1 each (enough to tell that the list was cut), so that a
 * document with half a million violations costs the main thread no more than one with 101.
 */
export type ValidateReply =
  { ok: true; results: SchemaViolation[][] } | { ok: false; error: WorkerError };

/** The compiled schemas a worker keeps (at most 64); the least recently used go first. */
const cache = new LRUCache<string, CompiledSchema>({ max: 64 });

function refusal(err: unknown): WorkerError {
  if (err instanceof ConnectError) {
    return {
      code: err.code,
      message: err.rawMessage,
      failure: err.findDetails(ValidationFailureSchema)[0],
    };
  }
  if (err instanceof RangeError) {
    // The call stack ran out: a document or schema nested far too deeply.
    return { code: Codes.InvalidArgument, message: "too deeply nested to validate" };
  }
  throw err;
}

const notJson: SchemaViolation = {
  pointer: "",
  message: "stored value is not JSON",
  keyword: "",
  schemaPointer: "",
};

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return notJson;
  }
}

function storedSchema(schema: SchemaSource): CompiledSchema {
  const known = cache.get(schema.key);
  if (known) return known;
  let compiled: CompiledSchema;
  try {
    compiled = compileStored(JSON.parse(schema.content), schema.dialect, {
      formats: schema.formats,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // Stored before a rule that refuses it (such as RE2 patterns): only a new version helps.
    throw new ConnectError(
      `the schema version cannot be compiled any more: ${reason}; add a version that can`,
      Codes.FailedPrecondition,
    );
  }
  cache.set(schema.key, compiled);
  return compiled;
}

/** Runs a compile request (in a worker thread). */
export function runCompile(req: CompileRequest): CompileReply {
  try {
    const content = JSON.parse(req.schema.content) as unknown;
    const compiled = compileCandidate(content, { formats: req.schema.formats });
    cache.set(req.schema.key, compiled);
    return { ok: true, dialect: compiled.dialect, warnings: compiled.warnings };
  } catch (err) {
    return { ok: false, error: refusal(err) };
  }
}

/** Runs a validate request (in a worker thread). */
export function runValidate(req: ValidateRequest): ValidateReply {
  try {
    const compiled = storedSchema(req.schema);
    const results = req.documents.map((text) => {
      const document = parse(text);
      if (document === notJson) return [notJson];
      return compiled.validate(document).slice(0, maxViolations + 1);
    });
    return { ok: true, results };
  } catch (err) {
    return { ok: false, error: refusal(err) };
  }
}
