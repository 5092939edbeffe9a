import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { Dialect, FormatMode, type SchemaVersion } from "@guardian/api";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";

/** One problem with the editor's text: where (a JSON pointer) and what. */
export interface Violation {
  /** JSON pointer into the document; "" is the whole document. */
  readonly pointer: string;
  readonly message: string;
  /** The failed keyword, or "syntax" for text that is not JSON. */
  readonly keyword: string;
  /** For syntax errors: the offset in the text. */
  readonly offset?: number;
}

/** Checks a parsed document against a schema version; returns its violations. */
export type DocumentCheck = (document: unknown) => Violation[];

const drafts: Partial<Record<Dialect, SchemaDraft>> = {
  [Dialect.DRAFT_07]: "7",
  [Dialect.DRAFT_2020_12]: "2020-12",
};

/**
 * Makes the browser's check for a schema version, in the draft the server compiled it with.
 * The validator interprets the schema (no generated code, so the page's CSP holds). The server
 * stays the authority: its own violations on save are shown the same way.
 */
export function checkFor(version: SchemaVersion): DocumentCheck {
  const raw = version.contentValue ? toJson(ValueSchema, version.contentValue) : true;
  const schema = version.formatMode === FormatMode.ANNOTATE ? withoutFormats(raw) : raw;
  const validator = new Validator(
    schema as Schema | boolean,
    drafts[version.dialect] ?? "2020-12",
    false,
  );
  return (document) => leaves(validator.validate(document).errors);
}

/** Turns the validator's nested output into the failures themselves, with JSON pointers. */
function leaves(errors: readonly OutputUnit[]): Violation[] {
  // `false` schemas report the instance location as their keyword location; their parent is
  // the keyword at the instance's parent (additionalProperties, items...).
  const falseAt = new Set(
    errors.filter((e) => e.keyword === "false").map((e) => parentOf(e.instanceLocation)),
  );
  const parents = new Set<string>();
  for (const e of errors) {
    for (let at = e.keywordLocation; at.includes("/");) {
      at = at.slice(0, at.lastIndexOf("/"));
      parents.add(at);
    }
  }
  return errors
    .filter(
      (e) =>
        !parents.has(e.keywordLocation) &&
        !(falseAt.has(e.instanceLocation) && e.keyword !== "false" && isApplicator(e.keyword)),
    )
    .map((e) => toViolation(e));
}

const applicators = new Set([
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "additionalItems",
  "unevaluatedItems",
  "properties",
  "patternProperties",
  "prefixItems",
]);
const isApplicator = (keyword: string) => applicators.has(keyword);

function toViolation(e: OutputUnit): Violation {
  let pointer = pointerOf(e.instanceLocation);
  let message = e.error;
  if (e.keyword === "required") {
    const missing = /required property "(.*)"\.?$/.exec(e.error)?.[1];
    if (missing !== undefined)
      pointer = `${pointer}/${missing.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  }
  if (e.keyword === "false") message = "No value is allowed here.";
  return { pointer, message, keyword: e.keyword };
}

/** The validator writes locations as URI fragments ("#/a%20b"); violations use JSON pointers. */
function pointerOf(location: string): string {
  const fragment = location.startsWith("#") ? location.slice(1) : location;
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

function parentOf(location: string): string {
  return location.slice(0, Math.max(1, location.lastIndexOf("/")));
}

const schemaMaps = [
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
];
const schemaLists = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
const schemaOnes = [
  "not",
  "if",
  "then",
  "else",
  "contains",
  "items",
  "additionalItems",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
];

/** A copy of a schema without `format` keywords (a version whose formats only annotate). */
export function withoutFormats(schema: unknown): unknown {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  if (typeof out["format"] === "string") delete out["format"];
  for (const k of schemaOnes) if (k in out) out[k] = withoutFormats(out[k]);
  for (const k of schemaLists) {
    const list = out[k];
    if (Array.isArray(list)) out[k] = list.map(withoutFormats);
  }
  for (const k of schemaMaps) {
    const map = out[k];
    if (typeof map === "object" && map !== null && !Array.isArray(map)) {
      out[k] = Object.fromEntries(Object.entries(map).map(([n, s]) => [n, withoutFormats(s)]));
    }
  }
  return out;
}
