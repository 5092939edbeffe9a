import { migrate } from "@guardian/db";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { databaseSettings } from "../settings.js";

/**
 * Applies pending migrations to `DATABASE_URL`. Safe to run from several processes at once:
 * they take turns on an advisory lock and the later ones find nothing to do.
 */
export async function runMigrate(): Promise<void> {
  const settings = exitOnConfigError(() => readConfig(process.env, databaseSettings));
  const { applied } = await migrate({ databaseUrl: settings.databaseUrl, log: () => {} });
  process.stdout.write(
    applied.length === 0
      ? "guardian migrate: the database is up to date\n"
      : `guardian migrate: applied ${applied.join(", ")}\n`,
  );
}
