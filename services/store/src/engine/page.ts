import type { KeyValue } from "./types.js";

/** Paging and filters of a range read. */
export interface PageOptions {
  /** Return keys after this one (exclusive). */
  after?: string;
  limit: number;
  schema?: string;
  labels?: Record<string, string>;
  keysOnly?: boolean;
}

/** Reports whether a key-value passes the schema and label filters of a range read. */
export function matchesFilters(kv: KeyValue, opts: PageOptions): boolean {
  if (opts.schema && kv.meta.schema !== opts.schema) return false;
  for (const [k, v] of Object.entries(opts.labels ?? {})) {
    if (kv.meta.labels[k] !== v) return false;
  }
  return true;
}

/**
 * Collects one page from key-values in key order: those after `after` that pass the filters,
 * at most `limit`, and whether more would follow.
 */
export function collectPage(
  kvs: Iterable<KeyValue>,
  opts: PageOptions,
): { kvs: KeyValue[]; more: boolean } {
  const page: KeyValue[] = [];
  for (const kv of kvs) {
    if (opts.after !== undefined && kv.key <= opts.after) continue;
    if (!matchesFilters(kv, opts)) continue;
    if (page.length === opts.limit) return { kvs: page, more: true };
    page.push(opts.keysOnly ? { ...kv, value: new Uint8Array() } : kv);
  }
  return { kvs: page, more: false };
}
