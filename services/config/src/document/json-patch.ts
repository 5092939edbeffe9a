/**
 * A small RFC 6902 JSON Patch: {@link diffJson} produces "add", "remove" and "replace"
 * operations (arrays are compared by index), {@link applyPatch} applies those operations.
 */

/** One JSON Patch operation of the kinds {@link diffJson} produces. */
export type PatchOperation =
  { op: "add" | "replace"; path: string; value: unknown } | { op: "remove"; path: string };

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Escapes one reference token of an RFC 6901 JSON pointer ("~" → "~0", "/" → "~1"). */
export function escapeToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Unescapes one reference token of an RFC 6901 JSON pointer. */
export function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Compares two JSON values structurally (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * Returns the JSON Patch that turns `from` into `to` (empty when they are equal). It visits
 * each value once and appends to one list, so its cost grows with the documents' size, and
 * no list of operations is ever spread into a call's arguments (which overflows past about
 * 100,000 items).
 */
export function diffJson(from: unknown, to: unknown, path = ""): PatchOperation[] {
  const ops: PatchOperation[] = [];
  diffInto(ops, from, to, path);
  return ops;
}

function diffInto(ops: PatchOperation[], from: unknown, to: unknown, path: string): void {
  if (from === to) return;
  if (isObject(from) && isObject(to)) {
    for (const k of Object.keys(from)) {
      if (!Object.hasOwn(to, k)) ops.push({ op: "remove", path: `${path}/${escapeToken(k)}` });
    }
    for (const [k, v] of Object.entries(to)) {
      const p = `${path}/${escapeToken(k)}`;
      if (Object.hasOwn(from, k)) diffInto(ops, from[k], v, p);
      else ops.push({ op: "add", path: p, value: v });
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const common = Math.min(from.length, to.length);
    for (let i = 0; i < common; i++) diffInto(ops, from[i], to[i], `${path}/${i}`);
    for (let i = common; i < to.length; i++)
      ops.push({ op: "add", path: `${path}/${i}`, value: to[i] });
    // Remove from the end, so every index still points at the element meant.
    for (let i = from.length - 1; i >= common; i--)
      ops.push({ op: "remove", path: `${path}/${i}` });
    return;
  }
  // Different kinds of value, or two different scalars.
  ops.push({ op: "replace", path, value: to });
}

/**
 * Applies "add", "remove" and "replace" operations to a copy of `doc` and returns it. Throws
 * when an operation's path does not exist where RFC 6902 requires it to.
 */
export function applyPatch(doc: unknown, ops: readonly PatchOperation[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    if (op.path === "") {
      if (op.op === "remove") throw new Error("cannot remove the whole document");
      root = structuredClone(op.value);
      continue;
    }
    const tokens = op.path.slice(1).split("/").map(unescapeToken);
    const last = tokens.pop()!;
    let parent: unknown = root;
    for (const t of tokens) {
      parent = Array.isArray(parent) ? parent[Number(t)] : isObject(parent) ? parent[t] : undefined;
      if (parent === undefined) throw new Error(`path ${op.path} does not exist`);
    }
    if (Array.isArray(parent)) {
      const i = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length)
        throw new Error(`bad index in ${op.path}`);
      if (op.op === "add") parent.splice(i, 0, structuredClone(op.value));
      else if (i === parent.length) throw new Error(`path ${op.path} does not exist`);
      else if (op.op === "remove") parent.splice(i, 1);
      else parent[i] = structuredClone(op.value);
    } else if (isObject(parent)) {
      if (op.op !== "add" && !Object.hasOwn(parent, last)) {
        throw new Error(`path ${op.path} does not exist`);
      }
      if (op.op === "remove") delete parent[last];
      // defineProperty, so that a member named "__proto__" stays a plain member.
      else
        Object.defineProperty(parent, last, {
          value: structuredClone(op.value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
    } else {
      throw new Error(`path ${op.path} does not exist`);
    }
  }
  return root;
}
