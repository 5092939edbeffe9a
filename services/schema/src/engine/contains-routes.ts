import { dynamicBound, dynamicChoices, dynamicName, scopeBinds } from "./dynamic-keywords.js";
import { containsMatch, containsWhen } from "./keywords.js";
import { indexResources, type PlacedSchema } from "./resources.js";

// JSON Schema 2020-12: the items a `contains` matched count as evaluated for an
// `unevaluatedItems` when the `contains` applies to the same array in place and every
// subschema on the way to it passed. ajv records evaluated items only as a count from the
// start of the array, so Guardian finds every such way ahead of time, with the subschemas that
// must pass (or fail) for it, and lets `unevaluatedItems` check them item by item.

/**
 * What must hold for a route to count: a subschema passes (`valid`) or fails on the array, or
 * a `$dynamicRef` on the way applies its candidate `index` (`null`: its initial target).
 * `scope` lists the resources evaluation entered on the way to it, outermost first.
 */
type Condition = { scope: string[] } & (
  { at: PlacedSchema; valid: boolean } | { name: string; index: number | null }
);

/** A way from an `unevaluatedItems` to a `contains`: the conditions, and the `contains`' holder. */
interface Route {
  conditions: Condition[];
  holder: PlacedSchema;
  scope: string[];
}

/** Beyond this many routes from one schema object a schema is refused rather than compiled. */
const maxRoutes = 1000;

const fragmentOf = (pointer: string) => pointer.split("/").map(encodeURIComponent).join("/");

/** Resource URIs in the order entered, without immediate repeats. */
const entered = (outer: string, inner: string[]) =>
  inner[0] === outer ? inner : [outer, ...inner];

const conditionKey = (c: Condition) =>
  `${c.scope.join(",")}:${"at" in c ? `${c.valid ? "+" : "-"}${c.at.pointer}` : `${c.name}=${c.index}`}`;

const routeKey = (r: Route) =>
  [...r.conditions.map(conditionKey), `${r.scope.join(",")}:${r.holder.pointer}`].join(" ");

/**
 * Gives each `unevaluatedItems` of a draft 2020-12 document (a copy, prepared by
 * scopeDynamicRefs) the routes to the `contains` keywords applying to the same array: through
 * `allOf`, `anyOf`, `oneOf`, `if`, `then`, `else`, `$ref` and `$dynamicRef`. Each condition
 * and match is evaluated in the dynamic scope evaluation has there.
 */
export function annotateContains(doc: Record<string, unknown>): void {
  const index = indexResources(doc);
  const bindsOf = new Map<string, unknown[]>();
  for (const p of index.at.values()) {
    const binds = p.node[scopeBinds];
    if (Array.isArray(binds)) bindsOf.set(p.base, binds);
  }
  const memo = new Map<string, Route[]>();
  const visiting = new Set<string>();

  const routesFrom = (placed: PlacedSchema): Route[] => {
    const known = memo.get(placed.pointer);
    if (known) return known;
    // An in-place cycle: evaluation never returns through it, so it adds nothing.
    if (visiting.has(placed.pointer)) return [];
    visiting.add(placed.pointer);
    const { node, pointer, base } = placed;
    const found = new Map<string, Route>();
    const add = (r: Route) => found.set(routeKey(r), r);
    const child = (path: string) => index.at.get(`${pointer}/${path}`);
    const here = [base];
    const through = (target: PlacedSchema | undefined, ...first: Condition[]) => {
      if (!target) return;
      for (const r of routesFrom(target)) {
        add({
          holder: r.holder,
          scope: entered(base, r.scope),
          conditions: [
            ...first,
            ...r.conditions.map((c) => ({ ...c, scope: entered(base, c.scope) })),
          ],
        });
      }
    };
    if (node["contains"] !== undefined) add({ conditions: [], holder: placed, scope: here });
    for (const keyword of ["allOf", "anyOf", "oneOf"]) {
      const list = node[keyword];
      if (!Array.isArray(list)) continue;
      list.forEach((_, i) => {
        const sub = child(`${keyword}/${i}`);
        if (keyword === "allOf") through(sub);
        else if (sub) through(sub, { at: sub, valid: true, scope: here });
      });
    }
    const test = node["if"];
    if (test !== undefined) {
      const ifAt = child("if");
      const when = (valid: boolean): Condition[] | undefined =>
        ifAt ? [{ at: ifAt, valid, scope: here }] : test === valid ? [] : undefined;
      through(ifAt, ...(when(true) ?? []));
      const [onThen, onElse] = [when(true), when(false)];
      if (onThen) through(child("then"), ...onThen);
      if (onElse) through(child("else"), ...onElse);
    }
    if (typeof node["$ref"] === "string") through(index.resolve(node["$ref"], base));
    const choices = node[dynamicChoices];
    const name = node[dynamicName];
    if (Array.isArray(choices) && typeof name === "string") {
      choices.forEach((choice: { $ref: string }, k) => {
        const initial = k === choices.length - 1;
        through(index.resolve(choice.$ref, base), { name, index: initial ? null : k, scope: here });
      });
    }
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

  let absolute = false;
  // A reference from `from`, in the dynamic scope of the resources entered on the way.
  const scoped = (scope: string[], rest: Record<string, unknown>) => {
    const binds = scope.flatMap((b) => bindsOf.get(b) ?? []);
    return binds.length > 0 ? { [scopeBinds]: binds, ...rest } : rest;
  };
  const refTo = (target: PlacedSchema, from: PlacedSchema, suffix = "") => {
    const fragment = `#${fragmentOf(target.inResource + suffix)}`;
    if (target.base === from.base) return { $ref: fragment };
    absolute = true;
    return { $ref: `${target.base}${fragment}` };
  };
  const conditionSchema = (c: Condition, from: PlacedSchema) => {
    if (!("at" in c)) return scoped(c.scope, { [dynamicBound]: [c.name, c.index] });
    const test = scoped(c.scope, refTo(c.at, from));
    return c.valid ? test : { not: test };
  };
  for (const placed of index.at.values()) {
    const { node } = placed;
    if (node["unevaluatedItems"] === undefined) continue;
    const routes = routesFrom(placed);
    if (routes.length === 0) continue;
    node[containsWhen] = routes.map((r) =>
      r.conditions.length === 0
        ? true
        : { allOf: r.conditions.map((c) => conditionSchema(c, placed)) },
    );
    node[containsMatch] = routes.map((r) => scoped(r.scope, refTo(r.holder, placed, "/contains")));
  }
  // A root without an absolute `$id` gets the base the references were written against.
  if (absolute) doc["$id"] = index.rootBase;
}
