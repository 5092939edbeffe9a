import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { contractEngineOptions, defineStoreContract } from "../contract/index.js";
import { defineWatchStartProperty } from "../contract/watch-start.js";
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
