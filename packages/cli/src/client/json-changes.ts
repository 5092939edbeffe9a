import type { JsonValue } from "@bufbuild/protobuf";

/** One change between two JSON documents, as an RFC 6902 operation. */
export interface JsonChange {
  op: string;
  /** JSON pointer (RFC 6901) of the changed location; "" is the whole document. */
  path: string;
  /** The new value, for "add" and "replace". */
  value?: JsonValue;
}

type JsonObject = { [key: string]: JsonValue };

function isObject(v: JsonValue): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/**
 * The changes that turn `from` into `to`: objects are compared key by key and arrays index
 * by index (extra elements are removed from the end first, so the list applies as a patch),
 * anything else that differs is replaced. Empty when the documents are equal.
 */
export function jsonChanges(from: JsonValue, to: JsonValue, path = ""): JsonChange[] {
  if (isObject(from) && isObject(to)) {
    const changes: JsonChange[] = [];
    for (const key of Object.keys(from)) {
      if (!(key in to)) changes.push({ op: "remove", path: pointer(path, key) });
      else changes.push(...jsonChanges(from[key]!, to[key]!, pointer(path, key)));
    }
    for (const key of Object.keys(to)) {
      if (!(key in from)) changes.push({ op: "add", path: pointer(path, key), value: to[key]! });
    }
    return changes;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const changes: JsonChange[] = [];
    const shared = Math.min(from.length, to.length);
    for (let i = 0; i < shared; i++) {
      changes.push(...jsonChanges(from[i]!, to[i]!, pointer(path, i)));
    }
    for (let i = from.length - 1; i >= shared; i--) {
      changes.push({ op: "remove", path: pointer(path, i) });
    }
    for (let i = shared; i < to.length; i++) {
      changes.push({ op: "add", path: pointer(path, i), value: to[i]! });
    }
    return changes;
  }
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  return [{ op: "replace", path, value: to }];
}

const marks: Record<string, string> = { add: "+", remove: "-", replace: "~" };

/**
 * One change as a line for people: `+ /path: value` (add), `- /path` (remove),
 * `~ /path: value` (replace), with the value as compact JSON; other operations are
 * spelled out (`move /b from /a`).
 */
export function formatChange(change: JsonChange & { from?: string }): string {
  const at = change.path === "" ? "(document)" : change.path;
  const mark = marks[change.op] ?? change.op;
  const from = change.from ? ` from ${change.from}` : "";
  const value = change.value === undefined ? "" : `: ${JSON.stringify(change.value)}`;
  return `${mark} ${at}${from}${value}`;
}
