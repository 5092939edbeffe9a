import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, escapeIdentifier } from "pg";

/** SQLSTATE 55006: the template still has sessions connected to it. */
const objectInUse = "55006";

/**
 * Returns `adminUrl` with its database replaced by `name`.
 *
 * For example `databaseUrl("postgres://postgres@127.0.0.1:5432/postgres", "t_1")` is
 * `postgres://postgres@127.0.0.1:5432/t_1`.
 */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/**
 * Creates database `name`, runs `setup` (for example the migrations) against it, then turns
 * it into a template that accepts no connections, ready for {@link cloneDatabase}.
 *
 * An existing database of that name is dropped first. `setup` must close every connection
 * it opens; leftover sessions are terminated.
 */
export async function createTemplateDatabase(
  adminUrl: string,
  name: string,
  setup: (url: string) => Promise<void>,
): Promise<void> {
  await dropDatabase(adminUrl, name);
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${escapeIdentifier(name)}`));
  await setup(databaseUrl(adminUrl, name));
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(
      `ALTER DATABASE ${escapeIdentifier(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
    );
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
  });
}

/**
 * Creates a new database as a copy of `template` and returns its URL.
 *
 * The name defaults to a random `t_<hex>`. While the template still has sessions from its
 * setup, the copy is retried for up to 10 s.
 */
export async function cloneDatabase(
  adminUrl: string,
  template: string,
  newName: string = randomDatabaseName(),
): Promise<string> {
  const sql = `CREATE DATABASE ${escapeIdentifier(newName)} TEMPLATE ${escapeIdentifier(template)}`;
  const deadline = Date.now() + 10_000;
  await withAdmin(adminUrl, async (admin) => {
    for (;;) {
      try {
        await admin.query(sql);
        return;
      } catch (error) {
        if (sqlState(error) !== objectInUse || Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  });
  return databaseUrl(adminUrl, newName);
}

/**
 * Drops database `name` if it exists, even when it is a template or has open sessions.
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    const found = await admin.query<{ datistemplate: boolean }>(
      "SELECT datistemplate FROM pg_database WHERE datname = $1",
      [name],
    );
    if (found.rows.length === 0) return;
    if (found.rows[0]?.datistemplate === true) {
      await admin.query(`ALTER DATABASE ${escapeIdentifier(name)} WITH IS_TEMPLATE false`);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** Returns a fresh database name of the form `t_<12 hex digits>`. */
export function randomDatabaseName(): string {
  return `t_${randomBytes(6).toString("hex")}`;
}

async function withAdmin<T>(adminUrl: string, fn: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  // A dropped connection rejects the pending query; the event needs a listener so it cannot crash.
  admin.on("error", () => {});
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
