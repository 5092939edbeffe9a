import { Gauge, Histogram, type Registry } from "prom-client";
import type pg from "pg";

/** Query latency buckets in seconds, from 0.5 ms to 10 s. */
const queryBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The metrics of every pool of a process, see {@link createPoolMetrics}. */
export interface PoolMetrics {
  /** Reports `pool`'s connections and times every query it runs, under the label `name`. */
  observe(pool: pg.Pool, name: string): void;
}

/**
 * Registers the PostgreSQL pool metrics in `registry`:
 *
 * - `guardian_db_pool_connections{pool,state}`: connections open, `state` = `total` or `idle`
 * - `guardian_db_pool_waiting_clients{pool}`: callers waiting for a connection
 * - `guardian_db_query_duration_seconds{pool}`: time of each query, from send to result
 *
 * Every metric exists from the start; a pool shows its series once observed.
 */
export function createPoolMetrics(registry: Registry): PoolMetrics {
  const pools = new Map<string, pg.Pool>();
  new Gauge({
    name: "guardian_db_pool_connections",
    help: "PostgreSQL connections a pool holds: total open, and idle among them.",
    labelNames: ["pool", "state"] as const,
    registers: [registry],
    collect() {
      for (const [name, pool] of pools) {
        this.set({ pool: name, state: "total" }, pool.totalCount);
        this.set({ pool: name, state: "idle" }, pool.idleCount);
      }
    },
  });
  new Gauge({
    name: "guardian_db_pool_waiting_clients",
    help: "Callers waiting for a PostgreSQL connection from a pool.",
    labelNames: ["pool"] as const,
    registers: [registry],
    collect() {
      for (const [name, pool] of pools) this.set({ pool: name }, pool.waitingCount);
    },
  });
  const duration = new Histogram({
    name: "guardian_db_query_duration_seconds",
    help: "PostgreSQL query duration in seconds, by pool.",
    labelNames: ["pool"] as const,
    buckets: queryBuckets,
    registers: [registry],
  });
  return {
    observe(pool, name) {
      pools.set(name, pool);
      const timer = duration.labels({ pool: name });
      pool.on("connect", (client) => timeQueries(client, (s) => timer.observe(s)));
    },
  };
}

/** Wraps `client.query` to report the duration of every query with a callback or a promise. */
function timeQueries(client: pg.PoolClient, observe: (seconds: number) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const wrapped = (...args: unknown[]): unknown => {
    const started = process.hrtime.bigint();
    const done = () => observe(Number(process.hrtime.bigint() - started) / 1e9);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) void result.then(done, done);
    return result;
  };
  (client as unknown as { query: unknown }).query = wrapped;
}
