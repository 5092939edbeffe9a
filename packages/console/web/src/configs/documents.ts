import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { JsonSyntaxError, lineColumn, spansOf, type PointerSpans } from "./json-positions.js";
import type { DocumentCheck, Violation } from "./violations.js";

/** The editor's text for a stored document (two-space indented JSON). */
export function textOf(content: Value | undefined): string {
  if (content === undefined) return "";
  return `${JSON.stringify(toJson(ValueSchema, content), null, 2)}\n`;
}

/** The document of an editor text, for a request (the text must be valid JSON). */
export function valueOf(text: string): Value {
  return fromJson(ValueSchema, JSON.parse(text) as JsonValue);
}

/** What the browser found in the editor's text. */
export interface TextCheck {
  /** The violations: one syntax error, or the schema's violations. */
  readonly violations: Violation[];
  /** Where each value is, when the text is JSON. */
  readonly spans: PointerSpans | undefined;
}

/** Parses the text and runs the schema's check on it (when there is one yet). */
export function checkText(text: string, check: DocumentCheck | undefined): TextCheck {
  let spans: PointerSpans;
  try {
    spans = spansOf(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const { line, column } = lineColumn(text, err.offset);
    return {
      violations: [
        {
          pointer: "",
          keyword: "syntax",
          offset: err.offset,
          message: `Not JSON at line ${line}, column ${column}: ${err.message}.`,
        },
      ],
      spans: undefined,
    };
  }
  return { violations: check ? check(JSON.parse(text)) : [], spans };
}

/** "app v3" for a pinned binding, "app v3 (latest)" for one that follows the latest version. */
export function schemaLabel(c: {
  schema: string;
  schemaVersion: number;
  validatedSchemaVersion: number;
}): string {
  if (c.schema === "") return "none";
  const version = c.schemaVersion === 0 ? c.validatedSchemaVersion : c.schemaVersion;
  return `${c.schema} v${version}${c.schemaVersion === 0 ? " (latest)" : ""}`;
}
