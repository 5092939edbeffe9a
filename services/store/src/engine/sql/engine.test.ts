import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { contractEngineOptions, defineStoreContract } from "../contract/index.js";
import { collect, events, put } from "../contract/helpers.js";
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

describe("sql engine change feed", () => {
  it("delivers its own commits after another instance's earlier ones, in revision order", async () => {
    // No LISTEN connection: the other instance's commit is not announced to this one, so its
    // own commit arrives after a revision it has not delivered yet.
    const mine = await createSqlEngine({ pool: db.pool(), ...contractEngineOptions });
    const other = await createSqlEngine({ pool: db.pool(), ...contractEngineOptions });
    try {
      const start = await mine.currentRevision();
      const watching = collect(mine, { project: "feed" }, start, (i) => events(i).length >= 2);
      const theirs = await other.write(put("feed", "theirs", 1));
      const own = await mine.write(put("feed", "own", 2));
      const delivered = events(await watching);
      expect(delivered.map((r) => [r.key, r.revision])).toEqual([
        ["theirs", theirs.revision],
        ["own", own.revision],
      ]);
    } finally {
      await other.close();
      await mine.close();
    }
  });
});
