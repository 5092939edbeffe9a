import type { DialectName } from "./dialect.js";
import { ignoredBesideRef, walkSchema } from "./walk.js";

/** The JSON pointer as a URI fragment, as ajv resolves it against the current base URI. */
function fragmentOf(pointer: string): string {
  return `#${pointer.split("/").map(encodeURIComponent).join("/")}`;
}

/** Adds a subschema to a node's `allOf` (copied), keeping the existing entries' pointers. */
function addAllOf(node: Record<string, unknown>, schema: unknown): void {
  const allOf = Array.isArray(node["allOf"]) ? node["allOf"] : [];
  node["allOf"] = [...(allOf as unknown[]), schema];
}

/**
 * Rewrites one schema object where ajv would read it differently from JSON Schema. Every
 * rewrite refers back to the original subschema by pointer, so pointers, `$id`s and anchors
 * in it keep working.
 */
function rewrite(
  node: Record<string, unknown>,
  inResource: string,
  dialect: DialectName,
  own: (map: unknown) => boolean,
): void {
  // draft-07: every keyword beside `$ref` is ignored (`definitions` stays for pointers into it).
  for (const keyword of Object.keys(node)) {
    if (ignoredBesideRef(node, keyword, dialect) && keyword !== "$id") delete node[keyword];
  }
  if (dialect === "draft-07" && typeof node["$ref"] === "string") delete node["$id"];
  // ajv refuses an empty enum; JSON Schema reads it as "no value matches".
  if (Array.isArray(node["enum"]) && node["enum"].length === 0) {
    delete node["enum"];
    addAllOf(node, false);
  }
  // ajv skips a property named "__proto__" (against prototype pollution): match it by pattern.
  if (own(node["properties"])) {
    const ref = { $ref: fragmentOf(`${inResource}/properties/__proto__`) };
    const patterns = { ...(node["patternProperties"] as Record<string, unknown> | undefined) };
    const taken = patterns["^__proto__$"];
    patterns["^__proto__$"] = taken === undefined ? ref : { allOf: [taken, ref] };
    node["patternProperties"] = patterns;
  }
  for (const keyword of ["dependencies", "dependentSchemas", "dependentRequired"]) {
    if (!own(node[keyword])) continue;
    const dependency = (node[keyword] as Record<string, unknown>)["__proto__"];
    const then = Array.isArray(dependency)
      ? { required: dependency }
      : { $ref: fragmentOf(`${inResource}/${keyword}/__proto__`) };
    addAllOf(node, { if: { required: ["__proto__"] }, then });
  }
}

/**
 * Returns the copy of a valid schema document that ajv compiles so that it validates as
 * JSON Schema says; the document as written is what Guardian stores and returns.
 */
export function forAjv(content: unknown, dialect: DialectName): unknown {
  if (typeof content !== "object" || content === null) return content;
  const copy = structuredClone(content);
  const own = (map: unknown) =>
    typeof map === "object" && map !== null && Object.hasOwn(map, "__proto__");
  walkSchema(copy, dialect, ({ node, inResource }) => rewrite(node, inResource, dialect, own));
  return copy;
}
