import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running embedded PostgreSQL (PGlite) reachable by the `pg` driver. */
export interface EmbeddedPostgres {
  /** Connection string for the `pg` driver; use a pool of size 1. */
  url: string;
  /** Stops the socket server and closes PGlite, flushing its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite on `dataDir` and serves it to the `pg` driver on a loopback port.
 *
 * Every connection shares PGlite's single backend, so callers must use one connection and
 * must not rely on LISTEN/NOTIFY between connections.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  host?: string;
  port?: number;
}): Promise<EmbeddedPostgres> {
  await mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: opts.dataDir });
  const host = opts.host ?? "127.0.0.1";
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(":") + 1));
  return {
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
