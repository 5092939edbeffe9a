import type { DialectName } from "./dialect-names.js";
import { annotateContains } from "./contains-routes.js";
import { resolveDynamicRefs } from "./dynamic-refs.js";
import { scopeDynamicRefs } from "./dynamic-scope.js";
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

const identifiers = ["$id", "$anchor", "$dynamicAnchor"];

/** Removes identifier keywords from every object in a JSON value (a copy, never the original). */
function stripIdentifiers(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    value.forEach(stripIdentifiers);
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key of identifiers) delete object[key];
  Object.values(object).forEach(stripIdentifiers);
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
  isKeyword: (keyword: string) => boolean,
): void {
  const own = (map: unknown) =>
    typeof map === "object" && map !== null && Object.hasOwn(map, "__proto__");
  // draft-07: every keyword beside `$ref` is ignored (`definitions` stays for pointers into it).
  for (const keyword of Object.keys(node)) {
    if (ignoredBesideRef(node, keyword, dialect) && keyword !== "$id") delete node[keyword];
  }
  if (dialect === "draft-07" && typeof node["$ref"] === "string") delete node["$id"];
  // ajv resolves a `$ref` beside an `$id` against the outer base URI (and may recurse without
  // end); inside `allOf` it resolves against the `$id`, and `allOf` applies in place alike.
  if (dialect === "draft-2020-12" && typeof node["$id"] === "string") {
    if (typeof node["$ref"] === "string") {
      addAllOf(node, { $ref: node["$ref"] });
      delete node["$ref"];
    }
  }
  // Identifiers inside unknown keywords are data, not schema resources: ajv would register them.
  for (const [keyword, value] of Object.entries(node)) {
    if (!isKeyword(keyword)) stripIdentifiers(value);
  }
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
export function forAjv(
  content: unknown,
  dialect: DialectName,
  isKeyword: (keyword: string) => boolean,
): unknown {
  if (typeof content !== "object" || content === null) return content;
  const copy = structuredClone(content) as Record<string, unknown>;
  if (dialect === "draft-2020-12") {
    resolveDynamicRefs(copy);
    scopeDynamicRefs(copy);
    annotateContains(copy);
  }
  walkSchema(copy, dialect, ({ node, inResource }) =>
    rewrite(node, inResource, dialect, isKeyword),
  );
  return copy;
}
