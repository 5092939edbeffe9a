import type { AnyAjv } from "./dialect.js";
import type { DialectName } from "./dialect-names.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import { patternProblem } from "./regexp.js";
import type { SchemaViolation } from "../contract.js";
import { escapePointerToken } from "./violations.js";
import { ignoredBesideRef, walkSchema } from "./walk.js";

const refKeywords = new Set(["$ref", "$dynamicRef", "$recursiveRef"]);

/** A `$ref` (or dynamic reference) found in a schema document. */
export interface FoundRef {
  /** JSON pointer to the reference keyword. */
  pointer: string;
  ref: string;
}

/** What {@link inspectSchema} found. */
export interface SchemaInspection {
  /** What refuses the schema: patterns that RE2 cannot match. */
  violations: SchemaViolation[];
  /**
   * Lint-style findings about a valid schema: unknown keywords and formats, keywords that
   * have no effect where they are. They never refuse the schema.
   */
  warnings: SchemaViolation[];
  refs: FoundRef[];
}

/** Pairs of a keyword and the sibling it needs to have any effect. */
const needs: [keyword: string, sibling: string][] = [
  ["then", "if"],
  ["else", "if"],
  ["minContains", "contains"],
  ["maxContains", "contains"],
];

/**
 * Walks every subschema of a valid schema document and reports, with pointers, what a
 * schema author most likely did not mean (what ajv's strict mode refuses): unknown keywords
 * and formats, keywords without the sibling they need, draft-07 keywords ignored beside
 * `$ref`, an empty `enum`. It also lists the references, to explain unresolvable ones, and
 * refuses patterns that RE2 cannot match (backreferences, lookaround).
 */
export function inspectSchema(
  content: unknown,
  dialect: DialectName,
  ajv: AnyAjv,
  formats: FormatMode = "assert",
): SchemaInspection {
  const found: SchemaInspection = { violations: [], warnings: [], refs: [] };
  const refuse = (pointer: string, keyword: string, problem: string | undefined): void => {
    if (problem) found.violations.push({ pointer, keyword, message: problem, schemaPointer: "" });
  };
  const warn = (pointer: string, keyword: string, message: string): void => {
    found.warnings.push({ pointer, keyword, message, schemaPointer: "" });
  };

  walkSchema(content, dialect, ({ node, pointer }) => {
    const has = (k: string) => Object.hasOwn(node, k);
    for (const [keyword, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointerToken(keyword)}`;
      // The root's `$schema` chooses the dialect before anything else is read.
      const choosesDialect = keyword === "$schema" && pointer === "";
      if (ignoredBesideRef(node, keyword, dialect) && !choosesDialect) {
        warn(at, keyword, `"${keyword}" beside "$ref" is ignored (draft-07)`);
      } else if (!ajv.RULES.keywords[keyword]) {
        warn(at, keyword, `unknown keyword "${keyword}" is ignored`);
      } else if (refKeywords.has(keyword) && typeof value === "string") {
        found.refs.push({ pointer: at, ref: value });
      } else if (keyword === "format" && typeof value === "string" && !ajv.formats[value]) {
        if (formats === "assert") warn(at, keyword, `unknown format "${value}" is not checked`);
      }
      if (keyword === "pattern" && typeof value === "string") {
        refuse(at, keyword, patternProblem(value));
      }
      if (keyword === "patternProperties" && typeof value === "object" && value !== null) {
        for (const name of Object.keys(value)) {
          refuse(`${at}/${escapePointerToken(name)}`, keyword, patternProblem(name));
        }
      }
    }
    for (const [keyword, sibling] of needs) {
      // A keyword this dialect does not know was reported as unknown above.
      if (has(keyword) && !has(sibling) && ajv.RULES.keywords[keyword]) {
        warn(`${pointer}/${keyword}`, keyword, `"${keyword}" without "${sibling}" is ignored`);
      }
    }
    if (has("if") && !has("then") && !has("else")) {
      warn(`${pointer}/if`, "if", `"if" without "then" or "else" constrains nothing`);
    }
    if (dialect === "draft-07" && has("additionalItems") && !Array.isArray(node["items"])) {
      const why = has("items") ? "unless" : "without";
      warn(
        `${pointer}/additionalItems`,
        "additionalItems",
        `"additionalItems" is ignored ${why} an array "items"`,
      );
    }
    if (Array.isArray(node["enum"]) && node["enum"].length === 0) {
      warn(`${pointer}/enum`, "enum", "an empty enum matches no value");
    }
  });
  return found;
}
