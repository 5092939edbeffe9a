import { startTracing, traced } from "@guardian/kit";
import { startOtlpReceiver, useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createPool } from "./pool.js";
import { withTransaction } from "./transaction.js";

const db = useTestDatabase();

describe("a pool made with tracing on", () => {
  it("traces each query of a call, by pool.query and in transactions, with its text and no values", async () => {
    const otlp = await startOtlpReceiver();
    const stop = await startTracing("db-test", { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    const pool = createPool({ url: db.url(), max: 2 });
    try {
      await traced("call", "internal", {}, async () => {
        await pool.query("SELECT $1::text AS secret", ["the value"]);
        await withTransaction(pool, (client) => client.query("SELECT 2 AS two"));
      });
      // Outside every call: no span.
      await pool.query("SELECT 3 AS three");
    } finally {
      await pool.end();
      await stop?.();
      await otlp.close();
    }
    const call = otlp.spans.find((s) => s.name === "call")!;
    const queries = otlp.spans.filter((s) => s.attributes["db.system"] === "postgresql");
    expect(queries.map((s) => [s.name, s.attributes["db.statement"]])).toEqual(
      expect.arrayContaining([
        ["SELECT", "SELECT $1::text AS secret"],
        ["BEGIN", expect.stringMatching(/^BEGIN/)],
        ["SELECT", "SELECT 2 AS two"],
        ["COMMIT", "COMMIT"],
      ]),
    );
    for (const q of queries) {
      expect(q).toMatchObject({ traceId: call.traceId, parentSpanId: call.spanId, kind: 3 });
      expect(JSON.stringify(q.attributes)).not.toContain("the value");
    }
    expect(queries.some((q) => q.attributes["db.statement"] === "SELECT 3 AS three")).toBe(false);
  });
});
