import type { AnyAjv } from "./dialect.js";
import { patternProblem } from "./regexp.js";
import type { SchemaViolation } from "./registry-types.js";
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

const refKeywords = new Set(["$ref", "$dynamicRef", "$recursiveRef"]);

/** A `$ref` (or dynamic reference) found in a schema document. */
export interface FoundRef {
  /** JSON pointer to the reference keyword. */
  pointer: string;
  ref: string;
}

/** What {@link inspectSchema} found. */
export interface SchemaInspection {
  violations: SchemaViolation[];
  refs: FoundRef[];
}

/**
 * Walks every subschema of a schema document (and only subschemas: the values of `const`,
 * `enum`, `default` or `examples` are data) and reports, with pointers, what strict mode
 * would refuse without saying where: unknown keywords and formats, references that are
 * not local ("#..."), and patterns that RE2 cannot match (backreferences, lookaround).
 */
export function inspectSchema(content: unknown, ajv: AnyAjv): SchemaInspection {
  const found: SchemaInspection = { violations: [], refs: [] };
  const report = (pointer: string, keyword: string, message: string): void => {
    found.violations.push({ pointer, keyword, message, schemaPointer: "" });
  };

  const visit = (node: unknown, pointer: string): void => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return;
    for (const [keyword, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointerToken(keyword)}`;
      if (!ajv.RULES.keywords[keyword]) {
        report(at, "strict", `unknown keyword "${keyword}" (strict mode)`);
        continue;
      }
      if (refKeywords.has(keyword) && typeof value === "string") {
        found.refs.push({ pointer: at, ref: value });
        if (!value.startsWith("#")) {
          report(
            at,
            keyword,
            `must be a local reference starting with "#", got "${value}" (schemas are never fetched)`,
          );
        }
      }
      if (keyword === "format" && typeof value === "string" && !ajv.formats[value]) {
        report(at, "format", `unknown format "${value}"`);
      }
      if (keyword === "pattern" && typeof value === "string") {
        const problem = patternProblem(value);
        if (problem) report(at, keyword, problem);
      }
      if (keyword === "patternProperties" && typeof value === "object" && value !== null) {
        for (const name of Object.keys(value)) {
          const problem = patternProblem(name);
          if (problem) report(`${at}/${escapePointerToken(name)}`, keyword, problem);
        }
      }
      if (arrayKeywords.has(keyword) && Array.isArray(value)) {
        value.forEach((sub, i) => visit(sub, `${at}/${i}`));
      } else if (schemaKeywords.has(keyword)) {
        visit(value, at);
      } else if (mapKeywords.has(keyword) && typeof value === "object" && value !== null) {
        for (const [name, sub] of Object.entries(value)) {
          visit(sub, `${at}/${escapePointerToken(name)}`);
        }
      }
    }
  };

  visit(content, "");
  return found;
}
