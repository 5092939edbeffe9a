import { join } from "node:path";
import { makeTempDir, removeTempDir } from "@guardian/testkit";
import { afterAll, beforeAll } from "vitest";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "../embedded.js";
import { checkoutTemplatesDir } from "../template.js";
import { describeQueueContract } from "./testing/contract.js";

let dir: string;
let db: EmbeddedDatabase;
beforeAll(async () => {
  dir = await makeTempDir("guardian-queue-");
  db = await openEmbeddedDatabase({
    dataDir: join(dir, "data"),
    templatesDir: checkoutTemplatesDir,
  });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await removeTempDir(dir);
});

describeQueueContract({ profile: "embedded", pool: () => db.pool });
