import { resolve, join } from "node:path";
import { ensureBootstrapAdmin } from "@guardian/auth-service";
import { createSqlEngine } from "@guardian/store-service";
import { createPool, migrate, startEmbeddedPostgres } from "@guardian/db";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { processLogger, runServer } from "../host/run-server.js";
import { hostServices, serviceNames } from "../host/services.js";
import { embeddedSettings } from "../settings.js";

/**
 * Runs Guardian in embedded mode: every service in one process on one port, with PGlite in
 * a local data directory (migrated at start) and a bootstrap admin on first start.
 */
export async function runDev(): Promise<void> {
  const settings = exitOnConfigError(() => readConfig(process.env, embeddedSettings));
  const logger = processLogger(settings, "guardian");
  const dataDir = resolve(settings.dataDir);
  const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, "pgdata") });
  // PGlite has one backend: every query shares one connection.
  const pool = createPool({
    url: pg.url,
    max: 1,
    onError: (err) => logger.warn({ err }, "database connection lost"),
  });
  const client = await pool.connect();
  try {
    const { applied } = await migrate({ client, log: (msg) => logger.debug(msg) });
    if (applied.length > 0) logger.debug({ applied }, "migrations applied");
  } finally {
    client.release();
  }
  const admin = await ensureBootstrapAdmin(pool);
  const engine = await createSqlEngine({
    pool,
    onError: (err) => logger.warn({ err }, "store change feed failed"),
  });
  const address = await runServer({
    settings,
    logger,
    services: hostServices(serviceNames, { engine }),
    readiness: {
      database: async () => {
        await pool.query("SELECT 1");
      },
    },
    cleanup: [
      { name: "stop store engine", run: () => engine.close() },
      { name: "close database pool", run: () => pool.end() },
      { name: "stop embedded database", run: () => pg.stop() },
    ],
  }).catch(async (err: unknown) => {
    await engine.close();
    await pool.end();
    await pg.stop();
    throw err;
  });
  const lines = [
    `Guardian (embedded) listening on ${address.url}`,
    `  services: ${serviceNames.join(", ")} (Connect, gRPC and gRPC-Web on this one port)`,
    `  health:   ${address.url}/healthz  ${address.url}/readyz  ${address.url}/metrics`,
    `  data:     ${dataDir}`,
    admin.created
      ? `  log in:   user "${admin.username}", password "${admin.password}" (shown once; only a hash is stored)`
      : `  log in:   user "${admin.username}" with the password printed on the first start`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
