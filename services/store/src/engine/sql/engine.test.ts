import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createPool, migrate, startEmbeddedPostgres, type EmbeddedPostgres } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { contractEngineOptions, defineStoreContract } from "../contract.js";
import { createSqlEngine } from "./engine.js";

const db = useTestDatabase({ poolSize: 20 });

defineStoreContract("sql on PostgreSQL", async () =>
  createSqlEngine({ pool: db.pool(), listenUrl: db.url(), ...contractEngineOptions }),
);

let embedded: EmbeddedPostgres | undefined;
let embeddedPool: pg.Pool | undefined;
const dataDir = join(tmpdir(), `guardian-pglite-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  embedded = await startEmbeddedPostgres({ dataDir });
  embeddedPool = createPool({ url: embedded.url, max: 1 });
  const client = await embeddedPool.connect();
  try {
    await migrate({ client });
  } finally {
    client.release();
  }
}, 60_000);

afterAll(async () => {
  await embeddedPool?.end();
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

defineStoreContract("sql on PGlite (embedded)", async () =>
  createSqlEngine({ pool: embeddedPool!, ...contractEngineOptions }),
);
