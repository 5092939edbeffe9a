import { Command, Option } from "commander";
import { apikeyCommand } from "./client/apikey-commands.js";
import { auditCommand } from "./client/audit-commands.js";
import { authCommands } from "./client/auth-commands.js";
import { clusterCommand } from "./client/cluster-commands.js";
import { codegenCommand } from "./client/codegen-command.js";
import { configCommand } from "./client/config-commands.js";
import { projectCommand } from "./client/project-commands.js";
import { configWatchCommand } from "./client/config-watch.js";
import { roleCommand } from "./client/role-commands.js";
import { schemaCommand } from "./client/schema-commands.js";
import { adminCommand } from "./commands/admin.js";
import { runBackup } from "./commands/backup.js";
import { runDev } from "./commands/dev.js";
import { runMigrate } from "./commands/migrate.js";
import { runRestore, type RestoreOptions } from "./commands/restore.js";
import { runServe } from "./commands/serve.js";

/**
 * The `guardian` command line: the server commands (dev, serve, migrate, backup, restore) and the client
 * commands, which call a server named by the profile, `--url` or GUARDIAN_URL
 * (docs/cli.md).
 */
export function createProgram(): Command {
  const program = new Command("guardian")
    .usage("<command> [options]")
    .description("Guardian, a strongly consistent configuration service")
    .addOption(
      new Option("--profile <name>", 'the profile to use (GUARDIAN_PROFILE; default "default")'),
    )
    .addOption(new Option("--url <url>", "the server's URL (GUARDIAN_URL; default: the profile's)"))
    .addOption(
      new Option("-o, --output <format>", "table for people, json for scripts (proto JSON)")
        .choices(["table", "json"])
        .default("table"),
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command("dev")
    .description("Run every service in one process (embedded mode, PGlite)")
    .action(() => runDev());
  program
    .command("serve")
    .description(
      "Run services against PostgreSQL (auth config schema cluster store), background work (worker), or the built web console (console)",
    )
    .argument("[service...]", "the services to run (default: all and the worker, but not console)")
    .allowUnknownOption()
    .action((services: string[]) => runServe(services));
  program
    .command("migrate")
    .description("Apply database migrations to DATABASE_URL")
    .action(() => runMigrate());
  program.addCommand(adminCommand());
  program
    .command("backup")
    .description("Write a consistent backup of a production stack to a file (docs/backup.md)")
    .requiredOption("--out <path>", "the backup file to write (replaced atomically)")
    .action((opts: { out: string }) => runBackup(opts));
  program
    .command("restore")
    .description("Restore a backup into an empty production stack (docs/backup.md)")
    .requiredOption("--from <path>", "the backup file to restore")
    .option("--force", "replace what the target database holds (etcd must still be fresh)")
    .option(
      "--min-revision <revision>",
      "make the restored store's revision at least this (the old stack's last revision)",
    )
    .action((opts: RestoreOptions) => runRestore(opts));

  const clientCommands = [
    ...authCommands(),
    projectCommand(),
    configCommand().addCommand(configWatchCommand()),
    schemaCommand(),
    apikeyCommand(),
    roleCommand(),
    auditCommand(),
    clusterCommand(),
    codegenCommand(),
  ];
  for (const command of clientCommands) program.addCommand(command);
  // Commands added whole do not inherit these settings: a usage error exits 2 everywhere.
  const settle = (command: Command) => {
    command.exitOverride().showHelpAfterError();
    command.commands.forEach(settle);
  };
  settle(program);

  program.addHelpText(
    "after",
    "\nServer settings come from environment variables (docs/configuration.md); the client\n" +
      "commands and their exit codes are described in docs/cli.md.\n",
  );
  return program;
}
