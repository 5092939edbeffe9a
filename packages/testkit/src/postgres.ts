import { chown, mkdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { freePort } from "./ports.js";
import { describeExit, runProcess, spawnProcess } from "./process.js";
import type { ManagedProcess } from "./process.js";
import { requireSystemBinaries } from "./system-packages.js";
import { makeTempDir, removeTempDir } from "./temp-dir.js";
import { GiveUpError, waitFor } from "./wait.js";

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Port to listen on; a free port is picked when omitted. */
  readonly port?: number;
  /** How long to wait for the server to accept connections. Defaults to 30 s. */
  readonly startTimeoutMs?: number;
}

/** A throwaway PostgreSQL server on loopback, started by {@link startPostgres}. */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** File with the server's log output. */
  readonly logFile: string;
  /** Shuts the server down (fast shutdown) and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL server on 127.0.0.1 with a fresh data directory.
 *
 * The cluster trusts every local connection, runs without fsync, and is owned by the
 * `postgres` user when this process is root. It resolves once a client can connect.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bins = requireSystemBinaries();
  const baseDir = await makeTempDir("pg");
  const dataDir = join(baseDir, "data");
  const socketDir = join(baseDir, "sock");
  const logFile = join(baseDir, "postgres.log");
  let server: ManagedProcess | undefined;
  try {
    const owner = process.getuid?.() === 0 ? lookupUser("postgres") : undefined;
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(socketDir);
    if (owner !== undefined) {
      for (const dir of [baseDir, dataDir, socketDir]) await chown(dir, owner.uid, owner.gid);
    }
    const asOwner = { cwd: baseDir, env: postgresEnv(), ...owner };

    await runProcess({
      name: "initdb",
      command: bins.initdb,
      args: [
        "-D",
        dataDir,
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
      ].concat(["--no-sync", "--no-instructions"]),
      logFile: join(baseDir, "initdb.log"),
      ...asOwner,
    });

    // A port picked by freePort() can be taken by someone else before postgres binds it.
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      server = spawnProcess({
        name: "postgres",
        command: bins.postgres,
        args: ["-D", dataDir, "-p", String(port), "-k", socketDir, ...serverSettings()],
        logFile,
        stopSignal: "SIGINT",
        emergencySignal: "SIGQUIT",
        ...asOwner,
      });
      try {
        await waitUntilAcceptingConnections(server, url, opts.startTimeoutMs ?? 30_000);
      } catch (error) {
        const retry = server.exited && opts.port === undefined && attempt < 3;
        if (retry && /already in use|could not bind/i.test(server.logTail(20))) continue;
        throw error;
      }
      const running = server;
      let stopped: Promise<void> | undefined;
      return {
        url,
        port,
        dataDir,
        logFile,
        stop() {
          stopped ??= running.stop({ timeoutMs: 15_000 }).then(() => removeTempDir(baseDir));
          return stopped;
        },
      };
    }
  } catch (error) {
    await server?.stop();
    await removeTempDir(baseDir);
    throw error;
  }
}

/** Server settings that trade durability for speed; tests never need crash safety. */
function serverSettings(): string[] {
  const settings = {
    listen_addresses: "127.0.0.1",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    shared_buffers: "64MB",
    jit: "off",
  };
  return Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
}

function postgresEnv(): NodeJS.ProcessEnv {
  // Inherited PG* variables (PGDATA, PGPORT, ...) would override the command line.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("PG")),
  );
  return { ...env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };
}

async function waitUntilAcceptingConnections(
  server: ManagedProcess,
  url: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      if (server.exited) {
        const result = await server.exit;
        throw new GiveUpError(
          `postgres exited during startup (${describeExit(result)}); log ${server.logFile}:\n` +
            server.logTail(),
        );
      }
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("SELECT 1");
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    },
    {
      what: `postgres to accept connections at ${url}`,
      timeoutMs,
      details: () => `log ${server.logFile}:\n${server.logTail()}`,
    },
  );
}

function lookupUser(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no "${name}" user to run it as; ` +
        `install the postgresql package (sudo apt-get install -y postgresql).`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}
