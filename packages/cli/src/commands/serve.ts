import { createPool } from "@guardian/db";
import { createSqlEngine } from "@guardian/store-service";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { processLogger, runServer } from "../host/run-server.js";
import { hostServices, isServiceName, serviceNames, type ServiceName } from "../host/services.js";
import { databaseSettings, processSettings } from "../settings.js";

/**
 * Runs the named services in one production process against PostgreSQL at `DATABASE_URL`.
 * It never migrates: run `guardian migrate` first.
 */
export async function runServe(args: string[]): Promise<void> {
  const names = args.length === 0 ? [...serviceNames] : args;
  const unknown = names.filter((n) => !isServiceName(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(", ")}; expected one of ${serviceNames.join(", ")}`,
    );
  }
  const settings = exitOnConfigError(() =>
    readConfig(process.env, { ...processSettings, ...databaseSettings }),
  );
  const logger = processLogger(settings, `guardian-${names.join("-")}`);
  const pool = createPool({
    url: settings.databaseUrl,
    onError: (err) => logger.warn({ err }, "database connection lost"),
  });
  const engine = names.includes("store")
    ? await createSqlEngine({
        pool,
        listenUrl: settings.databaseUrl,
        onError: (err) => logger.warn({ err }, "store change feed failed"),
      })
    : undefined;
  const address = await runServer({
    settings,
    logger,
    services: hostServices(names as ServiceName[], { engine }),
    readiness: {
      database: async () => {
        await pool.query("SELECT 1");
      },
    },
    cleanup: [
      ...(engine ? [{ name: "stop store engine", run: () => engine.close() }] : []),
      { name: "close database pool", run: () => pool.end() },
    ],
  });
  logger.info({ url: address.url, services: names }, "listening");
}

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
