import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { contractEngineOptions, defineStoreContract } from "../contract/index.js";
import { defineWatchStartProperty } from "../contract/watch-start.js";
import { putJson, testMeta } from "../../testing/writes.js";
import type { StoreEngine } from "../types.js";
import { createSqlEngine } from "./engine.js";

const db = useTestDatabase({ poolSize: 20 });

defineStoreContract("sql on PostgreSQL", async () =>
  createSqlEngine({ pool: db.pool(), listenUrl: db.url(), ...contractEngineOptions }),
);

defineWatchStartProperty("sql on PostgreSQL", async () =>
  createSqlEngine({ pool: db.pool(), listenUrl: db.url(), ...contractEngineOptions }),
);

let embedded: EmbeddedDatabase | undefined;
const dataDir = join(tmpdir(), `guardian-pglite-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  embedded = await openEmbeddedDatabase({ dataDir });
}, 60_000);

afterAll(async () => {
  await embedded?.close();
  await rm(dataDir, { recursive: true, force: true });
});

// First on PGlite: its store is new, so revision 1 is this property's own first write.
defineWatchStartProperty("sql on PGlite (embedded)", async () =>
  createSqlEngine({ pool: embedded!.pool, ...contractEngineOptions }),
);

defineStoreContract("sql on PGlite (embedded)", async () =>
  createSqlEngine({ pool: embedded!.pool, ...contractEngineOptions }),
);

function groupFailureCases(name: string, open: () => Promise<StoreEngine>) {
  describe(`sql engine groups: ${name}`, () => {
    it("fails only the write the database refuses and commits the rest of its group", async () => {
      const engine = await open();
      try {
        const lead = engine.write(putJson("grp", "lead", 1));
        // PostgreSQL's jsonb refuses \u0000, so this write's statement fails inside the group.
        const bad = putJson("grp", "bad", 1, { meta: testMeta({ labels: { x: "\u0000" } }) });
        const results = await Promise.allSettled([
          lead,
          engine.write(putJson("grp", "a", 1)),
          engine.write(bad),
          engine.write(putJson("grp", "b", 1)),
        ]);
        expect(results.map((r) => r.status)).toEqual([
          "fulfilled",
          "fulfilled",
          "rejected",
          "fulfilled",
        ]);
        expect((await engine.get("grp", "a")).kv).toBeDefined();
        expect((await engine.get("grp", "b")).kv).toBeDefined();
        expect((await engine.get("grp", "bad")).kv).toBeUndefined();
      } finally {
        await engine.close();
      }
    });
  });
}

groupFailureCases("PostgreSQL", async () =>
  createSqlEngine({ pool: db.pool(), listenUrl: db.url(), ...contractEngineOptions }),
);
groupFailureCases("PGlite (embedded)", async () =>
  createSqlEngine({ pool: embedded!.pool, ...contractEngineOptions }),
);
