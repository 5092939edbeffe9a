import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { InvalidArgumentError } from "commander";
import { parseJson, readTextFile } from "./input.js";

/** A whole number between `min` and `max` written in decimal digits, else a usage error. */
function wholeNumber(value: string, min: bigint, max: bigint): bigint {
  const n = /^\d{1,19}$/.test(value) ? BigInt(value) : -1n;
  if (n < min || n > max)
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return n;
}

const maxInt64 = 2n ** 63n - 1n;
const maxInt32 = 2n ** 31n - 1n;

/**
 * Parses a version or revision option (`--expected-version`, `--revision`, ...): a
 * non-negative whole number, as the bigint the API takes.
 */
export function versionArg(value: string): bigint {
  return wholeNumber(value, 0n, maxInt64);
}

/** Parses a revision the command needs (`--to-revision`, `FROM_REVISION`): 1 or more. */
export function revisionArg(value: string): bigint {
  return wholeNumber(value, 1n, maxInt64);
}

/** Parses `--schema-version`: 0 (follow the latest) or a schema version number. */
export function schemaVersionArg(value: string): number {
  return Number(wholeNumber(value, 0n, maxInt32));
}

/** Parses `--limit`: 1 or more. */
export function limitArg(value: string): number {
  return Number(wholeNumber(value, 1n, maxInt32));
}

/** Collects repeated `--label k=v` options into one record. */
export function labelArg(value: string, previous: Record<string, string> = {}) {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError('must be "key=value"');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** Reads the JSON document of `--file FILE` (`-`: stdin); unreadable or not JSON is a usage error naming it. */
export async function readDocument(file: string): Promise<JsonValue> {
  const text = await readTextFile(file);
  return parseJson(text, file === "-" ? "stdin" : file) as JsonValue;
}

/** A JSON value as the `google.protobuf.Value` the API carries. */
export function toContent(json: JsonValue): Value {
  return fromJson(ValueSchema, json);
}

/** The JSON value a `google.protobuf.Value` holds (null when unset). */
export function fromContent(content: Value | undefined): JsonValue {
  return content ? toJson(ValueSchema, content) : null;
}

/** A JSON value as people read it: two-space indented, with a final newline. */
export function prettyJson(json: JsonValue): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** A config's schema binding for a table cell: `name@N` when pinned, `name@latest` otherwise. */
export function bindingCell(schema: string, schemaVersion: number): string {
  return `${schema}@${schemaVersion === 0 ? "latest" : schemaVersion}`;
}
