import { traced, tracingEnabled } from "@guardian/kit";
import type { StoreEngine } from "./types.js";

// The operations the store's RPCs run: each becomes one span inside the RPC's.
const operations = new Set<PropertyKey>(["write", "get", "range", "listRevisions", "getRevision"]);

/**
 * Returns the engine with each operation a call runs (write, get, range, listRevisions,
 * getRevision) in an internal span named `store <operation>`, with the engine's name; the
 * engine's own etcd calls or SQL queries are its children. With tracing off when it is made,
 * the engine itself is returned.
 */
export function traceEngine(engine: StoreEngine): StoreEngine {
  if (!tracingEnabled()) return engine;
  const attributes = { "guardian.store.engine": engine.name };
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (!operations.has(prop) || typeof value !== "function") return value;
      const operation = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) =>
        traced(`store ${String(prop)}`, "internal", attributes, () =>
          operation.apply(target, args),
        );
    },
  });
}
