import { ownBase, resolveUri, rootBaseOf, withoutFragment } from "./base-uri.js";
import { walkSchema } from "./walk.js";

/** Where a schema object of a draft 2020-12 document sits. */
export interface PlacedSchema {
  node: Record<string, unknown>;
  /** JSON pointer to the object from the document root. */
  pointer: string;
  /** The base URI of its schema resource (its own `$id` included). */
  base: string;
  /** JSON pointer to the object from the root of its schema resource. */
  inResource: string;
}

/** The schema objects of a document, by pointer and by identity, and its references resolved. */
export interface ResourceIndex {
  /** The root resource's base URI (absolute; the synthetic base when the root has none). */
  rootBase: string;
  at: Map<string, PlacedSchema>;
  /** Resolves a `$ref` written in a schema object with the given base URI, when it can. */
  resolve(ref: string, base: string): PlacedSchema | undefined;
}

const unescapeToken = (token: string) => token.replace(/~1/gu, "/").replace(/~0/gu, "~");

/**
 * Indexes every schema object of a draft 2020-12 document: its base URI, its pointer within
 * its resource, the resources by URI and the anchors (`$anchor` and `$dynamicAnchor`), so that
 * a `$ref` resolves to the object it names without ajv.
 */
export function indexResources(doc: unknown): ResourceIndex {
  const rootId = (doc as Record<string, unknown> | null)?.["$id"];
  const rootBase = rootBaseOf(rootId);
  const at = new Map<string, PlacedSchema>();
  const byNode = new Map<object, PlacedSchema>();
  const resources = new Map<string, Record<string, unknown>>();
  const anchors = new Map<string, PlacedSchema>();
  walkSchema(doc, "draft-2020-12", ({ node, pointer, inResource }) => {
    const cut = pointer.lastIndexOf("/");
    const parent =
      at.get(pointer.slice(0, cut)) ?? at.get(pointer.slice(0, pointer.lastIndexOf("/", cut - 1)));
    const base = pointer === "" ? rootBase : ownBase(node, parent?.base ?? rootBase);
    const placed = { node, pointer, base, inResource };
    at.set(pointer, placed);
    byNode.set(node, placed);
    if (inResource === "" && !resources.has(base)) resources.set(base, node);
    for (const keyword of ["$anchor", "$dynamicAnchor"]) {
      const name = node[keyword];
      if (typeof name === "string") anchors.set(`${base}#${name}`, placed);
    }
  });

  const resolve = (ref: string, base: string): PlacedSchema | undefined => {
    const target = resolveUri(ref, base);
    if (!target) return undefined;
    let fragment: string;
    try {
      fragment = decodeURIComponent(target.hash.slice(1));
    } catch {
      return undefined;
    }
    const resource = withoutFragment(target.href);
    if (fragment !== "" && !fragment.startsWith("/")) return anchors.get(`${resource}#${fragment}`);
    let value: unknown = resources.get(resource);
    for (const token of fragment.split("/").slice(1)) {
      if (typeof value !== "object" || value === null) return undefined;
      value = (value as Record<string, unknown>)[unescapeToken(token)];
    }
    return typeof value === "object" && value !== null ? byNode.get(value) : undefined;
  };
  return { rootBase, at, resolve };
}
