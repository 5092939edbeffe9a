import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preloadEmbeddedArtifacts, takeEmbeddedArtifacts } from "./embedded-artifacts.js";
import { startEmbeddedPostgres } from "./embedded.js";
import { createPool } from "./pool.js";

describe("preloaded PGlite artifacts", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-artifacts-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("are PGlite's compiled module, taken once", async () => {
    expect(await takeEmbeddedArtifacts()).toBeUndefined();
    preloadEmbeddedArtifacts();
    preloadEmbeddedArtifacts();
    const artifacts = await takeEmbeddedArtifacts();
    expect(Object.prototype.toString.call(artifacts?.pgliteWasmModule)).toBe(
      "[object WebAssembly.Module]",
    );
    expect(await takeEmbeddedArtifacts()).toBeUndefined();
  });

  it("open a working database", async () => {
    preloadEmbeddedArtifacts();
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, "pgdata") });
    // The open took them.
    expect(await takeEmbeddedArtifacts()).toBeUndefined();
    const pool = createPool({ url: pg.url, max: 1 });
    try {
      const { rows } = await pool.query("SELECT 1 + 1 AS two");
      expect(rows).toEqual([{ two: 2 }]);
    } finally {
      await pool.end();
      await pg.stop();
    }
  }, 120_000);
});
