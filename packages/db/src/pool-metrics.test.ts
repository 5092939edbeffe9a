import { useTestDatabase } from "@guardian/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createPool } from "./pool.js";
import { createPoolMetrics } from "./pool-metrics.js";
import { withTransaction } from "./transaction.js";

const db = useTestDatabase();

describe("createPoolMetrics", () => {
  it("times every query of a pool, pooled or on a checked-out client, and reports its connections and waiting callers", async () => {
    const registry = new Registry();
    const pool = createPool({ url: db.url(), max: 1 });
    try {
      createPoolMetrics(registry).observe(pool, "main");
      await pool.query("SELECT 1");
      let waiting: Promise<unknown> = Promise.resolve();
      await withTransaction(pool, async (client) => {
        await client.query("SELECT pg_sleep(0.01)");
        // The pool's one connection is taken: this query waits for it.
        waiting = pool.query("SELECT 2");
        const text = await registry.metrics();
        expect(text).toContain('guardian_db_pool_waiting_clients{pool="main"} 1');
        expect(text).toContain('guardian_db_pool_connections{pool="main",state="total"} 1');
        expect(text).toContain('guardian_db_pool_connections{pool="main",state="idle"} 0');
      });
      await waiting;
      const text = await registry.metrics();
      // SELECT 1, BEGIN, pg_sleep, COMMIT and SELECT 2.
      expect(text).toContain('guardian_db_query_duration_seconds_count{pool="main"} 5');
      expect(text).toContain('guardian_db_pool_waiting_clients{pool="main"} 0');
      expect(text).toContain('guardian_db_pool_connections{pool="main",state="idle"} 1');
      const sum = /guardian_db_query_duration_seconds_sum\{pool="main"\} (\S+)/.exec(text)?.[1];
      expect(Number(sum)).toBeGreaterThanOrEqual(0.01);
    } finally {
      await pool.end();
    }
  });
});
