import { dynamicChoices, dynamicName, scopeBinds } from "./dynamic-keywords.js";
import { indexResources, type PlacedSchema } from "./resources.js";

const fragmentOf = (pointer: string) => pointer.split("/").map(encodeURIComponent).join("/");

function anchorOf(ref: string, base: string): string | undefined {
  try {
    return decodeURIComponent(new URL(ref, base).hash.slice(1));
  } catch {
    return undefined;
  }
}

/**
 * Rewrites every `$dynamicRef` of a draft 2020-12 document (a copy) that resolveDynamicRefs
 * could not fix ahead of time into Guardian's dynamic reference (see dynamic-keywords.ts): its
 * candidates, every schema declaring the `$dynamicAnchor` it names, and its initial target;
 * and marks every schema object of a resource declaring such an anchor with the bindings it
 * makes when evaluation reaches it.
 */
export function scopeDynamicRefs(doc: Record<string, unknown>): void {
  const index = indexResources(doc);
  const placed = [...index.at.values()];
  const sites = placed.filter((p) => typeof p.node["$dynamicRef"] === "string");
  if (sites.length === 0) return;
  const declaring = new Map<string, PlacedSchema[]>();
  for (const p of placed) {
    const anchor = p.node["$dynamicAnchor"];
    if (typeof anchor !== "string") continue;
    declaring.set(anchor, [...(declaring.get(anchor) ?? []), p]);
  }
  const uriOf = (p: PlacedSchema) => ({ $ref: `${p.base}#${fragmentOf(p.inResource)}` });
  const named = new Set<string>();
  for (const { node, base } of sites) {
    const ref = node["$dynamicRef"] as string;
    const initial = index.resolve(ref, base);
    const name = anchorOf(ref, base);
    const candidates = name === undefined ? [] : (declaring.get(name) ?? []);
    delete node["$dynamicRef"];
    if (!initial || name === undefined || candidates.length === 0) {
      // Not a dynamic reference after all: ajv resolves it, or refuses it, as a `$ref`.
      if (typeof node["$ref"] === "string") {
        node["allOf"] = [...(Array.isArray(node["allOf"]) ? node["allOf"] : []), { $ref: ref }];
      } else {
        node["$ref"] = ref;
      }
      continue;
    }
    node[dynamicChoices] = [...candidates.map(uriOf), uriOf(initial)];
    node[dynamicName] = name;
    named.add(name);
  }
  if (named.size === 0) return;
  // The candidates are named by absolute URI: a root without one gets the base they use.
  doc["$id"] = index.rootBase;
  const binds = new Map<string, [string, number][]>();
  for (const name of named) {
    declaring.get(name)!.forEach((p, k) => {
      binds.set(p.base, [...(binds.get(p.base) ?? []), [name, k]]);
    });
  }
  for (const p of placed) {
    const made = binds.get(p.base);
    if (made) p.node[scopeBinds] = made;
  }
}
