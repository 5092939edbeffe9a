import {
  createEmptyDatabase,
  dropDatabase,
  migrateDatabase,
  startProductionStack,
  type ProductionStack,
} from "@guardian/testkit";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";

describe("replicas started together on one fresh database", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let stack: ProductionStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    if (name) await dropDatabase(adminUrl, name);
  });

  it("all start, and what they create at start exists once", async () => {
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    // A store and three API replicas at the same moment: every one of them makes sure of the
    // signing key, and the replicas of their shared service account.
    stack = await startProductionStack({
      databaseUrl: db.url,
      apiReplicas: 3,
      apiServices: ["auth", "config", "schema"],
    });
    for (const p of [stack.store, ...stack.apis]) {
      expect(p.output()).not.toMatch(/duplicate key|unique constraint/);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const accounts = await client.query(
        "SELECT username, global_roles, service_account FROM users ORDER BY username",
      );
      expect(accounts.rows).toEqual([
        { username: "svc-auth-config-schema", global_roles: ["internal"], service_account: true },
      ]);
      const keys = await client.query(
        "SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL",
      );
      expect(keys.rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
    const codes = await stack.stop();
    stack = undefined;
    expect(codes).toEqual([0, 0, 0, 0]);
  }, 240_000);
});
