import { Gauge, Histogram, type Registry } from "prom-client";
import type { StoreEngine } from "../engine/types.js";

/** The engine calls that are timed: every one that reads or writes the store. */
export const timedOperations = [
  "write",
  "get",
  "range",
  "listRevisions",
  "getRevision",
  "listChanges",
  "markArchived",
  "currentRevision",
  "compactionInfo",
] as const;

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/**
 * Returns `engine` with every call in {@link timedOperations} timed into
 * `guardian_store_operation_duration_seconds{engine,operation,result}` (registered in
 * `registry`); `result` is `ok` or `error` (any failure, expected ones such as a version
 * conflict included). Everything else of the engine is passed through unchanged. An engine
 * with a watch cache of its own (etcd) also reports
 * `guardian_store_watch_cache_lag_revisions`: see {@link StoreEngine.watchLag}.
 */
export function instrumentEngine<E extends StoreEngine>(engine: E, registry: Registry): E {
  const duration = new Histogram({
    name: "guardian_store_operation_duration_seconds",
    help: "Store engine call duration in seconds, by engine, operation and result.",
    labelNames: ["engine", "operation", "result"] as const,
    buckets,
    registers: [registry],
  });
  const watchLag = engine.watchLag;
  if (watchLag) {
    new Gauge({
      name: "guardian_store_watch_cache_lag_revisions",
      help: "Revisions the store committed that its etcd watch cache has not delivered yet.",
      registers: [registry],
      collect() {
        this.set(Number(watchLag()));
      },
    });
  }
  const timed = { ...engine };
  for (const operation of timedOperations) {
    const call = engine[operation] as (...args: unknown[]) => Promise<unknown>;
    const ok = duration.labels({ engine: engine.name, operation, result: "ok" });
    const failed = duration.labels({ engine: engine.name, operation, result: "error" });
    const wrapped = async (...args: unknown[]): Promise<unknown> => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const result = await call(...args);
        ok.observe(seconds());
        return result;
      } catch (err) {
        failed.observe(seconds());
        throw err;
      }
    };
    Object.assign(timed, { [operation]: wrapped });
  }
  return timed;
}
