import type { WatchRequest } from "@guardian/api";
import type { WatchTarget } from "./types.js";

/** Checks a watch target and returns it in its normal form. */
export function checkTarget(target: unknown): WatchTarget {
  const t = (target ?? {}) as { key?: unknown; prefix?: unknown };
  if (typeof t !== "object") throw new TypeError("subscribe: the target must be an object");
  if (t.key !== undefined && t.prefix !== undefined) {
    throw new TypeError('subscribe: pass either "key" or "prefix", not both');
  }
  if (t.key !== undefined) {
    if (typeof t.key !== "string" || t.key === "") {
      throw new TypeError('subscribe: "key" must be a non-empty string');
    }
    return { key: t.key };
  }
  if (t.prefix !== undefined) {
    if (typeof t.prefix !== "string") throw new TypeError('subscribe: "prefix" must be a string');
    return t.prefix === "" ? {} : { prefix: t.prefix };
  }
  return {};
}

/** The `target` oneof of a WatchRequest. */
export function requestTarget(t: WatchTarget): WatchRequest["target"] {
  if ("key" in t && t.key !== undefined) return { case: "key", value: t.key };
  if ("prefix" in t && t.prefix !== undefined) return { case: "prefix", value: t.prefix };
  return { case: undefined };
}

/** Whether two targets watch the same range. */
export function sameTarget(a: WatchTarget, b: WatchTarget): boolean {
  const ra = requestTarget(a);
  const rb = requestTarget(b);
  return ra.case === rb.case && ra.value === rb.value;
}

/** Describes a target for messages: `key "a/b"`, `prefix "a/"` or `the whole project`. */
export function describeTarget(t: WatchTarget): string {
  const r = requestTarget(t);
  return r.case === undefined ? "the whole project" : `${r.case} ${JSON.stringify(r.value)}`;
}
