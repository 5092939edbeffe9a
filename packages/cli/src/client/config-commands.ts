import { create } from "@bufbuild/protobuf";
import { Command } from "commander";
import { ConfigSchema, DeleteConfigResponseSchema, ListConfigsResponseSchema } from "@guardian/api";
import { bindingCell, fromContent, labelArg, prettyJson, versionArg } from "./config-args.js";
import { addConfigEditCommand } from "./config-edit.js";
import { addConfigHistoryCommands } from "./config-history.js";
import { addConfigRollbackCommand, addConfigSetCommand } from "./config-write.js";
import { confirm } from "./input.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

/** `guardian config list|get|set|edit|delete|history|diff|rollback`. */
export function configCommand(): Command {
  const config = new Command("config").description(
    "Read, write, edit, diff and roll back the JSON configs of a project",
  );

  config
    .command("list")
    .description("List the configs of a project, ordered by key")
    .argument("<project>", "the project")
    .option("--prefix <prefix>", "only keys starting with this prefix")
    .option("--label <key=value>", "only configs with this label (repeatable)", labelArg)
    .action(
      async (
        project: string,
        opts: { prefix?: string; label?: Record<string, string> },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const session = await openSession(globals);
        let revision = 0n;
        const configs = await allPages(async (pageToken, pageSize) => {
          const page = await session.config.listConfigs({
            project,
            prefix: opts.prefix ?? "",
            labelSelector: opts.label ?? {},
            pageSize,
            pageToken,
          });
          revision = page.revision;
          return { items: page.configs, next: page.nextPageToken };
        });
        if (globals.output === "json") {
          return printMessage(
            ListConfigsResponseSchema,
            create(ListConfigsResponseSchema, { configs, revision }),
          );
        }
        printTable(
          ["key", "version", "schema", "updated", "updated by"],
          configs.map((c) => [
            c.key,
            String(c.version),
            bindingCell(c.schema, c.schemaVersion),
            when(c.updateTime),
            c.updatedBy,
          ]),
        );
      },
    );

  config
    .command("get")
    .description("Print a config's content (-o json: the whole config)")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .option("--revision <revision>", "the config as it was at this past revision", versionArg)
    .action(async (project: string, key: string, opts: { revision?: bigint }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.config.getConfig({ project, key, revision: opts.revision ?? 0n });
      if (globals.output === "json") return printMessage(ConfigSchema, res.config!);
      process.stdout.write(prettyJson(fromContent(res.config?.content)));
    });

  addConfigSetCommand(config);
  addConfigEditCommand(config);

  config
    .command("delete")
    .description("Delete a config (its history is kept; asks first on a terminal)")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .option("--expected-version <n>", "only if the config is at this version", versionArg)
    .option("--idempotency-key <key>", "makes a retry of this call safe")
    .option("--message <text>", "recorded with the deletion")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      async (
        project: string,
        key: string,
        opts: {
          expectedVersion?: bigint;
          idempotencyKey?: string;
          message?: string;
          yes?: boolean;
        },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const session = await openSession(globals);
        await confirm(`Delete config "${key}" of project "${project}"?`, opts.yes);
        const res = await session.config.deleteConfig({
          project,
          key,
          expectedVersion: opts.expectedVersion,
          idempotencyKey: opts.idempotencyKey ?? "",
          message: opts.message ?? "",
        });
        if (globals.output === "json") return printMessage(DeleteConfigResponseSchema, res);
        process.stdout.write(`Deleted ${key} at revision ${res.revision}\n`);
      },
    );

  addConfigHistoryCommands(config);
  addConfigRollbackCommand(config);
  return config;
}
