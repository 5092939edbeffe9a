import { Code, ConnectError } from "@connectrpc/connect";
import { isDatabaseNotReady, migrate } from "@guardian/db";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { databaseSettings, migrateSettings } from "../settings.js";

/**
 * Applies pending migrations to `DATABASE_URL`. Waits up to GUARDIAN_MIGRATE_WAIT for a
 * database that cannot be reached yet, saying on stderr what it waits for. Safe to run from
 * several processes at once: they take turns on an advisory lock and the later ones find
 * nothing to do.
 */
export async function runMigrate(): Promise<void> {
  const settings = exitOnConfigError(() =>
    readConfig(process.env, { ...databaseSettings, ...migrateSettings }),
  );
  const { applied } = await migrate({
    databaseUrl: settings.databaseUrl,
    waitMs: settings.migrateWaitMs,
    onWait: ({ target, reason, leftMs }) =>
      process.stderr.write(
        `guardian migrate: waiting for the database at ${target} (${reason}); retrying for up to ${Math.ceil(leftMs / 1000)} s\n`,
      ),
    log: () => {},
  }).catch((err: unknown) => {
    if (!isDatabaseNotReady(err)) throw err;
    throw new ConnectError(
      `gave up waiting for the database after GUARDIAN_MIGRATE_WAIT (${settings.migrateWaitMs / 1000} s): ${(err as Error).message}`,
      Code.Unavailable,
    );
  });
  process.stdout.write(
    applied.length === 0
      ? "guardian migrate: the database is up to date\n"
      : `guardian migrate: applied ${applied.join(", ")}\n`,
  );
}
