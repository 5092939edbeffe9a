import { createPool, type Queryable } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCatalogCache, type CatalogCache } from "./cache.js";
import { createLocalCatalogFeed, type CatalogFeed } from "./feed.js";
import { createPgCatalogFeed } from "./pg-feed.js";

const db = useTestDatabase();

/** One process's view of the catalog: its own pool, listener and cache. */
interface Process {
  cache: CatalogCache;
  feed: CatalogFeed;
  /** The statements this process's cache sent to PostgreSQL. */
  statements: string[];
  close(): Promise<void>;
}

function startProcess(url: string, feed: CatalogFeed = createPgCatalogFeed({ url })): Process {
  const pool: pg.Pool = createPool({ url, max: 2 });
  pool.on("error", () => {});
  const statements: string[] = [];
  const counted: Queryable = {
    query: ((text: string, values?: unknown[]) => {
      statements.push(text);
      return pool.query(text, values);
    }) as Queryable["query"],
  };
  const cache = createCatalogCache(counted, feed);
  return {
    cache,
    feed,
    statements,
    async close() {
      cache.close();
      await feed.close();
      await pool.end();
    },
  };
}

let a: Process;
let b: Process;

beforeAll(async () => {
  db.pool().on("error", () => {});
  a = startProcess(db.url());
  b = startProcess(db.url());
  await vi.waitFor(() => expect(a.feed.live() && b.feed.live()).toBe(true), { timeout: 10_000 });
});

afterAll(async () => {
  await a.close();
  await b.close();
});

let projects = 0;
async function newProject(): Promise<string> {
  const name = `catalog-${++projects}`;
  await db.pool().query("INSERT INTO projects (name, created_by) VALUES ($1, 'test')", [name]);
  await db
    .pool()
    .query(
      "INSERT INTO schemas (project, name, latest_version, created_by) VALUES ($1, 'app', 1, 't')",
      [name],
    );
  for (const version of [1, 2]) {
    await db.pool().query(
      `INSERT INTO schema_versions (project, name, version, content, dialect, created_by)
       VALUES ($1, 'app', $2, '{}', 'draft-2020-12', 't')`,
      [name, version],
    );
  }
  return name;
}

describe("the catalog cache", () => {
  it("answers repeated lookups from memory", async () => {
    const project = await newProject();
    const before = b.statements.length;
    for (let i = 0; i < 3; i++) {
      expect(await b.cache.projectExists(project)).toBe(true);
      expect((await b.cache.schemaTarget(project, "app", 0))?.version).toBe(1);
    }
    expect(b.statements.length - before).toBe(2);
  });

  it("reads a key once for the concurrent callers that miss it", async () => {
    const project = await newProject();
    const before = b.statements.length;
    const found = await Promise.all(
      Array.from({ length: 10 }, () => b.cache.projectExists(project)),
    );
    expect(found.every(Boolean)).toBe(true);
    expect(b.statements.length - before).toBe(1);
  });

  it("sees a project deleted at once in the process that deleted it and right after commit in another", async () => {
    const project = await newProject();
    expect(await a.cache.projectExists(project)).toBe(true);
    expect(await b.cache.projectExists(project)).toBe(true);
    await db.pool().query("DELETE FROM projects WHERE name = $1", [project]);
    a.cache.changed({ project });
    expect(await a.cache.projectExists(project)).toBe(false);
    await expect.poll(() => b.cache.projectExists(project)).toBe(false);
    // The project's schemas went with it (ON DELETE CASCADE), and so did their lookups.
    expect(await b.cache.schemaTarget(project, "app", 0)).toBeUndefined();
  });

  it("sees a new latest schema version committed by another process", async () => {
    const project = await newProject();
    expect((await b.cache.schemaTarget(project, "app", 0))?.version).toBe(1);
    await db
      .pool()
      .query("UPDATE schemas SET latest_version = 2 WHERE project = $1 AND name = 'app'", [
        project,
      ]);
    await expect.poll(async () => (await b.cache.schemaTarget(project, "app", 0))?.version).toBe(2);
  });

  it("never caches what does not exist, so a project created anywhere is seen at once", async () => {
    expect(await b.cache.projectExists("catalog-later")).toBe(false);
    await db
      .pool()
      .query("INSERT INTO projects (name, created_by) VALUES ('catalog-later', 'test')");
    expect(await b.cache.projectExists("catalog-later")).toBe(true);
  });

  it("forgets everything when its listener is cut off, and caches again once it is back", async () => {
    const project = await newProject();
    expect(await b.cache.projectExists(project)).toBe(true);
    await db.pool().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'guardian-catalog-listen' AND datname = current_database()`,
    );
    // Deleted while nobody listens: no process hears of it.
    await db.pool().query("DELETE FROM projects WHERE name = $1", [project]);
    await expect.poll(() => b.cache.projectExists(project)).toBe(false);
    await expect.poll(() => b.feed.live(), { timeout: 10_000 }).toBe(true);
    expect(await b.cache.projectExists(project)).toBe(false);
    const other = await newProject();
    await b.cache.projectExists(other);
    const before = b.statements.length;
    expect(await b.cache.projectExists(other)).toBe(true);
    expect(b.statements.length).toBe(before);
  });

  it("reads PostgreSQL on every lookup while its listener is down", async () => {
    const project = await newProject();
    // Nothing listens on port 1: the feed never goes live.
    const down = startProcess(
      db.url(),
      createPgCatalogFeed({ url: "postgres://guardian@127.0.0.1:1/none", onError: () => {} }),
    );
    try {
      expect(down.feed.live()).toBe(false);
      for (let i = 0; i < 3; i++) expect(await down.cache.projectExists(project)).toBe(true);
      expect(down.statements).toHaveLength(3);
      await db.pool().query("DELETE FROM projects WHERE name = $1", [project]);
      expect(await down.cache.projectExists(project)).toBe(false);
    } finally {
      await down.close();
    }
  });

  it("with a local feed, forgets exactly what this process says it changed", async () => {
    const project = await newProject();
    const local = startProcess(db.url(), createLocalCatalogFeed());
    try {
      expect((await local.cache.schemaTarget(project, "app", 0))?.version).toBe(1);
      await db
        .pool()
        .query("UPDATE schemas SET latest_version = 2 WHERE project = $1 AND name = 'app'", [
          project,
        ]);
      local.cache.changed({ project, schema: "app" });
      expect((await local.cache.schemaTarget(project, "app", 0))?.version).toBe(2);
    } finally {
      await local.close();
    }
  });
});
