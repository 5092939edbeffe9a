import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type pg from "pg";
import { takeEmbeddedArtifacts } from "./embedded-artifacts.js";
import { migrate } from "./migrate.js";
import { createPool } from "./pool.js";
import { copyTemplate, emptyDir, ensureTemplate, holdsDatabase, templateName } from "./template.js";

/** A running embedded PostgreSQL (PGlite) reachable by the `pg` driver. */
export interface EmbeddedPostgres {
  /** Connection string for the `pg` driver; use a pool of size 1. */
  url: string;
  /** Stops the socket server and closes PGlite, flushing its data directory. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL settings of the embedded database. PGlite keeps the shared buffer pool in its
 * WebAssembly memory, so the pool's size is resident memory of the Guardian process, and
 * postgres clears all of it as it starts (each new page of memory costs time to touch): 8 MB
 * instead of PostgreSQL's 128 MB holds embedded mode's working set (the operating system
 * caches the data files besides). Against 16 MB, validated writes under load cost the same
 * CPU (1.44-1.53 ms against 1.50-1.56 per write) and a start touches about 1,600 fewer pages.
 */
const embeddedSettings = ["shared_buffers=8MB"];

/**
 * PGlite as the socket server serves it. PGlite's start reads the catalog's array types for
 * its own query API, which parses results in JavaScript; the `pg` driver gets the protocol's
 * bytes and parses them itself, so this start skips that read (a scan of `pg_type` with a
 * join, 200-250 ms of a 600 ms start here; the first query then pays 100-150 ms more to warm
 * the catalog caches the scan warmed).
 */
class SocketPGlite extends PGlite {
  override async _initArrayTypes(): Promise<void> {}
}

/**
 * Starts PGlite on `dataDir` and serves it to the `pg` driver on a Unix socket in a new
 * directory only this user can enter (mode 0700, under the system's temporary directory, so
 * the socket's path stays short). The server has no authentication: a loopback TCP port
 * would let any local user who reaches it while Guardian's one connection is being replaced
 * read and change the database.
 *
 * Every connection shares PGlite's single backend, so callers must use one connection and
 * must not rely on LISTEN/NOTIFY between connections.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string }): Promise<EmbeddedPostgres> {
  await mkdir(opts.dataDir, { recursive: true });
  const db = new SocketPGlite({
    dataDir: opts.dataDir,
    // PGlite's module compiled ahead of time, when the start asked for it.
    ...(await takeEmbeddedArtifacts()),
    startParams: [...PGlite.defaultStartParams, ...embeddedSettings.flatMap((s) => ["-c", s])],
  });
  await db.waitReady;
  const socketDir = await mkdtemp(join(tmpdir(), "guardian-pg-"));
  const server = new PGLiteSocketServer({
    db,
    path: join(socketDir, `.s.PGSQL.${socketPort}`),
    maxConnections: 1,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    await rm(socketDir, { recursive: true, force: true });
    throw err;
  }
  const host = encodeURIComponent(socketDir);
  return {
    url: `postgres://postgres@localhost/postgres?host=${host}&port=${socketPort}&sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/** The port in the socket's name, which the `pg` driver derives from the URL's port. */
const socketPort = 5432;

/** An embedded database ready for use: migrated, with its single-connection pool. */
export interface EmbeddedDatabase {
  pool: pg.Pool;
  /** Migrations this open applied (empty when the data directory was up to date). */
  applied: string[];
  /** Ends the pool and stops PGlite. */
  close(): Promise<void>;
}

/** Options for {@link openEmbeddedDatabase}. */
export interface OpenEmbeddedOptions {
  dataDir: string;
  /**
   * Where templates of new databases are kept (initialized and migrated). A new data
   * directory is copied from the current one, created there on first use, instead of
   * running initdb and every migration. Without it, a new database is initialized in place.
   */
  templatesDir?: string;
  onError?: (err: Error) => void;
  log?: (msg: string) => void;
}

/**
 * Opens embedded mode's database: starts PGlite on `dataDir` (a new one from a template when
 * `templatesDir` is given), creates the one-connection pool it needs, and applies pending
 * migrations on that connection.
 */
export async function openEmbeddedDatabase(opts: OpenEmbeddedOptions): Promise<EmbeddedDatabase> {
  const { templatesDir } = opts;
  if (templatesDir === undefined || holdsDatabase(opts.dataDir)) return openDatabase(opts);
  let template: string;
  try {
    template = await ensureTemplate(templatesDir, templateName(embeddedSettings), async (dir) => {
      const db = await openDatabase({ dataDir: dir, log: opts.log });
      await db.close();
    });
  } catch (err) {
    // The cache may be read-only; the template only saves time.
    opts.log?.(`no database template in ${templatesDir}: ${String(err)}`);
    return openDatabase(opts);
  }
  await mkdir(opts.dataDir, { recursive: true });
  copyTemplate(template, opts.dataDir);
  try {
    return await openDatabase(opts);
  } catch (err) {
    // A template this PGlite cannot open (made by another version): initialize in place.
    opts.log?.(`the database template could not be opened: ${String(err)}`);
    emptyDir(opts.dataDir);
    return openDatabase(opts);
  }
}

async function openDatabase(opts: OpenEmbeddedOptions): Promise<EmbeddedDatabase> {
  const pg = await startEmbeddedPostgres({ dataDir: opts.dataDir });
  // PGlite has one backend: every query shares one connection.
  const pool = createPool({ url: pg.url, max: 1, onError: opts.onError });
  const close = async () => {
    await pool.end();
    await pg.stop();
  };
  try {
    const client = await pool.connect();
    try {
      const { applied } = await migrate({ client, log: opts.log });
      return { pool, applied, close };
    } finally {
      client.release();
    }
  } catch (err) {
    await close();
    throw err;
  }
}
