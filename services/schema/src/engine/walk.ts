import type { DialectName } from "./dialect-names.js";
import { escapePointerToken } from "./violations.js";

/** Keywords whose value is one subschema. */
const schemaKeywords = new Set([
  "additionalItems",
  "additionalProperties",
  "contains",
  "contentSchema",
  "else",
  "if",
  "items",
  "not",
  "propertyNames",
  "then",
  "unevaluatedItems",
  "unevaluatedProperties",
]);

/** Keywords whose value is a list of subschemas (`items` too, in draft-07's tuple form). */
const arrayKeywords = new Set(["allOf", "anyOf", "oneOf", "prefixItems", "items"]);

/** Keywords whose value maps names to subschemas (draft-07 `dependencies` may hold lists). */
const mapKeywords = new Set([
  "$defs",
  "definitions",
  "dependencies",
  "dependentSchemas",
  "patternProperties",
  "properties",
]);

/** A schema object met by {@link walkSchema}. */
export interface SchemaNode {
  node: Record<string, unknown>;
  /** JSON pointer to the node from the document root. */
  pointer: string;
  /** JSON pointer to the node from the root of its schema resource (the nearest `$id`). */
  inResource: string;
}

/** Tells whether a schema object starts a schema resource of its own (an `$id` with a URI). */
export function startsResource(node: Record<string, unknown>, dialect: DialectName): boolean {
  const id = node["$id"];
  if (typeof id !== "string") return false;
  // draft-07 `$ref` makes every sibling, `$id` included, ignored; "#name" is an anchor there.
  if (dialect === "draft-07") return !id.startsWith("#") && typeof node["$ref"] !== "string";
  return true;
}

/** Tells whether a draft-07 keyword is ignored because it sits beside `$ref`. */
export function ignoredBesideRef(
  node: Record<string, unknown>,
  keyword: string,
  dialect: DialectName,
): boolean {
  return (
    dialect === "draft-07" &&
    typeof node["$ref"] === "string" &&
    keyword !== "$ref" &&
    keyword !== "definitions" &&
    keyword !== "$comment"
  );
}

/**
 * Calls `visit` for every schema object of a document, parents before children, and only for
 * subschemas: the values of `const`, `enum`, `default` or `examples` are data, and so is
 * anything under an unknown keyword or a draft-07 keyword ignored beside `$ref`. `visit` may
 * change the node it is given; the walk reads the node's keywords after the call.
 */
export function walkSchema(
  content: unknown,
  dialect: DialectName,
  visit: (at: SchemaNode) => void,
): void {
  const step = (node: unknown, pointer: string, inResource: string): void => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return;
    const schema = node as Record<string, unknown>;
    const base = startsResource(schema, dialect) ? "" : inResource;
    visit({ node: schema, pointer, inResource: base });
    for (const [keyword, value] of Object.entries(schema)) {
      if (ignoredBesideRef(schema, keyword, dialect)) continue;
      const token = `/${escapePointerToken(keyword)}`;
      const [at, inRes] = [pointer + token, base + token];
      if (arrayKeywords.has(keyword) && Array.isArray(value)) {
        value.forEach((sub, i) => step(sub, `${at}/${i}`, `${inRes}/${i}`));
      } else if (schemaKeywords.has(keyword)) {
        step(value, at, inRes);
      } else if (mapKeywords.has(keyword) && typeof value === "object" && value !== null) {
        for (const [name, sub] of Object.entries(value)) {
          const t = `/${escapePointerToken(name)}`;
          step(sub, at + t, inRes + t);
        }
      }
    }
  };
  step(content, "", "");
}
