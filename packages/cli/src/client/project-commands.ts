import { Command } from "commander";
import { ListProjectsResponseSchema, ProjectSchema } from "@guardian/api";
import { create } from "@bufbuild/protobuf";
import { confirm } from "./input.js";
import { allPages } from "./pages.js";
import { printMessage, printTable, when } from "./output.js";
import { openSession, type GlobalOptions } from "./session.js";

/** `guardian project list|create|delete`. */
export function projectCommand(): Command {
  const project = new Command("project").description("List, create and delete projects");

  project
    .command("list")
    .description("List the projects you can see")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const projects = await allPages(async (pageToken, pageSize) => {
        const page = await session.config.listProjects({ pageSize, pageToken });
        return { items: page.projects, next: page.nextPageToken };
      });
      if (globals.output === "json") {
        return printMessage(
          ListProjectsResponseSchema,
          create(ListProjectsResponseSchema, { projects }),
        );
      }
      printTable(
        ["name", "display name", "created", "created by"],
        projects.map((p) => [p.name, p.displayName, when(p.createTime), p.createdBy]),
      );
    });

  project
    .command("create")
    .description("Create a project")
    .argument("<name>", "3-63 characters of a-z, 0-9 and '-'")
    .option("--display-name <text>", "a human-friendly name")
    .option("--description <text>", "a description")
    .action(
      async (name: string, opts: { displayName?: string; description?: string }, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const session = await openSession(globals);
        const res = await session.config.createProject({
          project: name,
          displayName: opts.displayName ?? "",
          description: opts.description ?? "",
        });
        if (globals.output === "json") return printMessage(ProjectSchema, res.project!);
        process.stdout.write(`Created project ${res.project?.name}\n`);
      },
    );

  project
    .command("delete")
    .description("Delete a project (asks first on a terminal)")
    .argument("<name>", "the project")
    .option("--force", "also delete the project's configs")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (name: string, opts: { force?: boolean; yes?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      await confirm(
        `Delete project "${name}"${opts.force ? " and all its configs" : ""}?`,
        opts.yes,
      );
      await session.config.deleteProject({ project: name, force: opts.force ?? false });
      process.stdout.write(`Deleted project ${name}\n`);
    });

  return project;
}
