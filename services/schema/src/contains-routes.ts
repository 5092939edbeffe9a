import { containsCounted, containsMatch, containsWhen } from "./keywords.js";
import type { SchemaViolation } from "./registry-types.js";
import { indexResources, type PlacedSchema } from "./resources.js";
import { walkSchema } from "./walk.js";

// JSON Schema 2020-12: the items a `contains` matched count as evaluated for an
// `unevaluatedItems` when the `contains` applies to the same array in place and every
// subschema on the way to it passed. ajv records evaluated items only as a count from the
// start of the array, so Guardian finds every such way ahead of time, with the subschemas that
// must pass (or fail) for it, and lets `unevaluatedItems` check them item by item.

/** A subschema that must pass (`valid`) or fail on the array for a route to count. */
interface Condition {
  at: PlacedSchema;
  valid: boolean;
}

/** A way from an `unevaluatedItems` to a `contains`: the conditions, and the `contains`' holder. */
interface Route {
  conditions: Condition[];
  holder: PlacedSchema;
}

/** Beyond this many routes to one schema object a schema is refused rather than compiled. */
const maxRoutes = 1000;

const fragmentOf = (pointer: string) => pointer.split("/").map(encodeURIComponent).join("/");

const routeKey = (r: Route) =>
  [...r.conditions.map((c) => `${c.valid ? "+" : "-"}${c.at.pointer}`), r.holder.pointer].join(" ");

/**
 * Marks every `contains` of a draft 2020-12 document (a copy) whose matches the
 * `unevaluatedItems` keywords count themselves, and gives each `unevaluatedItems` the routes to
 * the `contains` keywords applying in place: through `allOf`, `anyOf`, `oneOf`, `if`, `then`,
 * `else` and `$ref`. A `contains` that a `$dynamicRef` left to ajv may reach still marks every
 * item as evaluated (see {@link containsLeft}).
 */
export function annotateContains(doc: Record<string, unknown>): void {
  const index = indexResources(doc);
  const memo = new Map<string, Route[]>();
  const visiting = new Set<string>();

  const routesFrom = (placed: PlacedSchema): Route[] => {
    const known = memo.get(placed.pointer);
    if (known) return known;
    // An in-place cycle: evaluation never returns through it, so it adds nothing.
    if (visiting.has(placed.pointer)) return [];
    visiting.add(placed.pointer);
    const { node, pointer } = placed;
    const found = new Map<string, Route>();
    const add = (r: Route) => found.set(routeKey(r), r);
    const child = (path: string) => index.at.get(`${pointer}/${path}`);
    const through = (target: PlacedSchema | undefined, ...first: Condition[]) => {
      if (!target) return;
      for (const r of routesFrom(target)) add({ ...r, conditions: [...first, ...r.conditions] });
    };
    if (node["contains"] !== undefined) add({ conditions: [], holder: placed });
    for (const keyword of ["allOf", "anyOf", "oneOf"]) {
      const list = node[keyword];
      if (!Array.isArray(list)) continue;
      list.forEach((_, i) => {
        const sub = child(`${keyword}/${i}`);
        if (keyword === "allOf") through(sub);
        else if (sub) through(sub, { at: sub, valid: true });
      });
    }
    const test = node["if"];
    if (test !== undefined) {
      const ifAt = child("if");
      const when = (valid: boolean): Condition[] | undefined =>
        ifAt ? [{ at: ifAt, valid }] : test === valid ? [] : undefined;
      through(ifAt, ...(when(true) ?? []));
      const [onThen, onElse] = [when(true), when(false)];
      if (onThen) through(child("then"), ...onThen);
      if (onElse) through(child("else"), ...onElse);
    }
    if (typeof node["$ref"] === "string") through(index.resolve(node["$ref"], placed.base));
    visiting.delete(placed.pointer);
    if (found.size > maxRoutes) {
      throw new Error(
        `"unevaluatedItems": more than ${maxRoutes} ways lead from ${pointer || "the root"} to a "contains"`,
      );
    }
    const routes = [...found.values()];
    memo.set(pointer, routes);
    return routes;
  };

  // A `$dynamicRef` left to ajv may land on any schema declaring its anchor.
  const lenient = new Set<string>();
  for (const placed of index.at.values()) {
    const ref = placed.node["$dynamicRef"];
    if (typeof ref !== "string") continue;
    const anchor = ref.slice(ref.indexOf("#") + 1);
    const targets = [...index.at.values()].filter((p) => p.node["$dynamicAnchor"] === anchor);
    const start = index.resolve(ref, placed.base);
    for (const target of start ? [...targets, start] : targets) {
      for (const r of routesFrom(target)) lenient.add(r.holder.pointer);
    }
  }

  let absolute = false;
  const refTo = (target: PlacedSchema, from: PlacedSchema, suffix = "") => {
    const fragment = `#${fragmentOf(target.inResource + suffix)}`;
    if (target.base === from.base) return { $ref: fragment };
    absolute = true;
    return { $ref: `${target.base}${fragment}` };
  };
  for (const placed of index.at.values()) {
    const { node } = placed;
    if (node["contains"] !== undefined && !lenient.has(placed.pointer)) {
      node[containsCounted] = true;
    }
    if (node["unevaluatedItems"] === undefined) continue;
    const routes = routesFrom(placed);
    if (routes.length === 0) continue;
    node[containsWhen] = routes.map((r) =>
      r.conditions.length === 0
        ? true
        : {
            allOf: r.conditions.map((c) =>
              c.valid ? refTo(c.at, placed) : { not: refTo(c.at, placed) },
            ),
          },
    );
    node[containsMatch] = routes.map((r) => refTo(r.holder, placed, "/contains"));
  }
  // A root without an absolute `$id` gets the base the references were written against.
  if (absolute) doc["$id"] = index.rootBase;
}

/**
 * Points at the `contains` keywords of a prepared document whose matches no `unevaluatedItems`
 * counts exactly: those a `$dynamicRef` left to ajv may reach, when the document has an
 * `unevaluatedItems`.
 */
export function containsLeft(prepared: unknown): SchemaViolation[] {
  let unevaluatedItems = false;
  const left: SchemaViolation[] = [];
  walkSchema(prepared, "draft-2020-12", ({ node, pointer }) => {
    unevaluatedItems ||= node["unevaluatedItems"] !== undefined;
    if (node["contains"] === undefined || node[containsCounted] === true) return;
    left.push({
      pointer: `${pointer}/contains`,
      keyword: "contains",
      schemaPointer: "",
      message:
        'a "$dynamicRef" whose target is decided with a known limitation reaches this "contains", ' +
        'and when it applies an "unevaluatedItems" counts every item as evaluated',
    });
  });
  return unevaluatedItems ? left : [];
}
