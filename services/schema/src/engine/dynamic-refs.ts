import { ownBase, resolveUri, rootBaseOf, syntheticBase, withoutFragment } from "./base-uri.js";
import { walkSchema } from "./walk.js";

// `$dynamicRef` resolved ahead of time. Evaluation always starts at the document's root
// resource, so the dynamic scope of every `$dynamicRef` starts there: when the root resource
// declares the `$dynamicAnchor`, it always wins; when only one resource declares it, that one
// does. Either way the `$dynamicRef` is a plain `$ref` to a known target, which ajv resolves
// correctly. The others follow the dynamic scope at run time (see dynamic-scope.ts).

interface Resource {
  /** Each `$dynamicAnchor` of the resource and the pointer to its schema within the resource. */
  dynamicAnchors: Map<string, string>;
}

/** A JSON pointer as a URI fragment. */
const fragmentOf = (pointer: string) => pointer.split("/").map(encodeURIComponent).join("/");

/**
 * Rewrites every `$dynamicRef` of a draft 2020-12 document (a copy) whose target the rules
 * above fix into a `$ref` beside it (through `allOf` when a `$ref` is there already).
 */
export function resolveDynamicRefs(doc: Record<string, unknown>): void {
  const rootBase = rootBaseOf(doc["$id"]);
  if (rootBase === "") return;
  const bases = new Map<string, string>();
  const resources = new Map<string, Resource>();
  const refs: { node: Record<string, unknown>; base: string }[] = [];
  const resourceOf = (uri: string) => {
    let r = resources.get(uri);
    if (!r) resources.set(uri, (r = { dynamicAnchors: new Map() }));
    return r;
  };

  walkSchema(doc, "draft-2020-12", ({ node, pointer, inResource }) => {
    const cut = pointer.lastIndexOf("/");
    const parent =
      bases.get(pointer.slice(0, cut)) ??
      bases.get(pointer.slice(0, pointer.lastIndexOf("/", cut - 1)));
    const base = pointer === "" ? rootBase : ownBase(node, parent ?? rootBase);
    bases.set(pointer, base);
    if (typeof node["$dynamicAnchor"] === "string") {
      resourceOf(base).dynamicAnchors.set(node["$dynamicAnchor"], inResource);
    }
    if (typeof node["$dynamicRef"] === "string") refs.push({ node, base });
  });

  let needsRootId = false;
  for (const { node, base } of refs) {
    const target = resolveUri(node["$dynamicRef"] as string, base);
    if (!target) continue;
    const anchor = decodeURIComponent(target.hash.slice(1));
    const resource = withoutFragment(target.href);
    let uri = target.href;
    const dynamic = anchor !== "" && !anchor.startsWith("/");
    if (dynamic && resourceOf(resource).dynamicAnchors.has(anchor)) {
      const declaring = [...resources].filter(([, r]) => r.dynamicAnchors.has(anchor));
      const inRoot = resourceOf(rootBase).dynamicAnchors.get(anchor);
      const only = declaring.length === 1 ? declaring[0] : undefined;
      // ajv resolves a JSON pointer to any schema, an anchor not always: point at it.
      if (inRoot !== undefined) uri = `${rootBase}#${fragmentOf(inRoot)}`;
      else if (only) uri = `${only[0]}#${fragmentOf(only[1].dynamicAnchors.get(anchor)!)}`;
      else continue;
    }
    const ref = withoutFragment(uri) === base ? `#${uri.split("#")[1] ?? ""}` : uri;
    needsRootId ||= ref.startsWith(syntheticBase);
    delete node["$dynamicRef"];
    if (typeof node["$ref"] === "string") {
      node["allOf"] = [...(Array.isArray(node["allOf"]) ? node["allOf"] : []), { $ref: ref }];
    } else {
      node["$ref"] = ref;
    }
  }
  // A root without an absolute `$id` gets the base the targets were computed against; every
  // relative `$id` and `$ref` of the document resolves against it as before.
  if (needsRootId) doc["$id"] = rootBase;
}
