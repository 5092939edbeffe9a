import { useTestDatabase } from "@guardian/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { put, storeError } from "../engine/contract/helpers.js";
import { createSqlEngine } from "../engine/sql/engine.js";
import { instrumentEngine } from "./engine-metrics.js";

const db = useTestDatabase();

describe("instrumentEngine", () => {
  it("times each store call by operation and result, and leaves the engine's answers unchanged", async () => {
    const registry = new Registry();
    const engine = instrumentEngine(
      await createSqlEngine({ pool: db.pool(), listenUrl: db.url() }),
      registry,
    );
    try {
      expect(engine.name).toBe("sql");
      const created = await engine.write(put("metrics", "app", { v: 1 }));
      const conflict = await storeError(
        engine.write(put("metrics", "app", { v: 2 }, { expectedVersion: created.revision + 7n })),
      );
      expect(conflict.kind).toBe("version_conflict");
      const read = await engine.get("metrics", "app");
      expect(read.kv?.version).toBe(created.revision);
      const text = await registry.metrics();
      const count = (operation: string, result: string) =>
        new RegExp(
          `guardian_store_operation_duration_seconds_count\\{engine="sql",operation="${operation}",result="${result}"\\} (\\d+)`,
        ).exec(text)?.[1];
      expect(count("write", "ok")).toBe("1");
      expect(count("write", "error")).toBe("1");
      expect(count("get", "ok")).toBe("1");
    } finally {
      await engine.close();
    }
  });
});
