import { fromJson, toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import type { SchemaVersion } from "@guardian/api";

/** A schema document as the schema RPCs take it: an object in `content`, a boolean in `contentValue`. */
export type SchemaDocument =
  | { readonly content: JsonObject; readonly contentValue?: undefined }
  | { readonly content?: undefined; readonly contentValue: Value };

/** Parses the text of a JSON Schema, or throws an Error whose message says what is wrong. */
export function parseSchemaText(text: string): SchemaDocument {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new Error(`The schema is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed === "boolean") return { contentValue: fromJson(ValueSchema, parsed) };
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("A JSON Schema is an object or a boolean.");
  }
  return { content: parsed };
}

/** The document of a schema version, pretty-printed (two spaces), or "" without content. */
export function versionText(version: SchemaVersion | undefined): string {
  if (version === undefined) return "";
  const doc: JsonValue | undefined =
    version.contentValue !== undefined
      ? toJson(ValueSchema, version.contentValue)
      : version.content;
  return doc === undefined ? "" : JSON.stringify(doc, null, 2);
}
