/** The base URI of a document without a root `$id`, used only when a rewrite needs it. */
export const syntheticBase = "https://schema.guardian.invalid/root.json";

/** A URI without its fragment. */
export const withoutFragment = (uri: string) => uri.replace(/#.*$/u, "");

/** Resolves a URI reference against a base URI; undefined when it cannot be resolved. */
export function resolveUri(ref: string, base: string): URL | undefined {
  try {
    return new URL(ref, base);
  } catch {
    return undefined;
  }
}

/**
 * The base URI of a document's root resource: its `$id` resolved ({@link syntheticBase}
 * without one), or "" when the `$id` is not a URI.
 */
export function rootBaseOf(rootId: unknown): string {
  return withoutFragment(
    typeof rootId === "string" ? (resolveUri(rootId, syntheticBase)?.href ?? "") : syntheticBase,
  );
}

/** The base URI of a schema object below the root: its own `$id`, else the enclosing base. */
export function ownBase(node: Record<string, unknown>, enclosing: string): string {
  return typeof node["$id"] === "string"
    ? withoutFragment(resolveUri(node["$id"], enclosing)?.href ?? enclosing)
    : enclosing;
}
