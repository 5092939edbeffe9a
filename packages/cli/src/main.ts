import { runDev } from "./commands/dev.js";
import { runMigrate } from "./commands/migrate.js";
import { runServe } from "./commands/serve.js";
import { UsageError } from "./usage-error.js";

const usage = `Usage: guardian <command>

Commands:
  dev                      Run every service in one process (embedded mode, PGlite)
  serve [service...]       Run services against PostgreSQL (auth config schema cluster store)
  migrate                  Apply database migrations to DATABASE_URL

Configuration comes from environment variables; see docs/configuration.md.
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "dev":
      return runDev();
    case "serve":
      return runServe(rest);
    case "migrate":
      return runMigrate();
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`guardian: ${err.message}\n\n${usage}`);
    process.exit(2);
  }
  process.stderr.write(
    `guardian: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
