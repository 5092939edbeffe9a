import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ListRoleBindingsResponseSchema, Role, RoleBindingSchema } from "@guardian/api";
import { Command } from "commander";
import { UsageError } from "../usage-error.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

/**
 * Reads a project role as the proto enum names it, case-insensitively and with or without
 * its `ROLE_` prefix: `viewer`, `Editor`, `ROLE_ADMIN`.
 */
export function parseRole(text: string): Role {
  const name = text.toUpperCase().replace(/^ROLE_/, "");
  const role = name === "UNSPECIFIED" ? undefined : Role[name as keyof typeof Role];
  if (role === undefined) {
    throw new UsageError(`role must be viewer, editor or admin, got "${text}"`);
  }
  return role;
}

/** A role as the CLI prints it: `viewer`, `editor` or `admin`. */
export function roleName(role: Role): string {
  return (Role[role] ?? String(role)).toLowerCase();
}

/** `guardian role list|grant|revoke`. */
export function roleCommand(): Command {
  const role = new Command("role").description("List, grant and revoke project roles");

  role
    .command("list")
    .description("List the role bindings of a project")
    .argument("<project>", "the project")
    .action(async (project: string, _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const bindings = await allPages(async (pageToken, pageSize) => {
        const page = await session.auth.listRoleBindings({ project, pageSize, pageToken });
        return { items: page.bindings, next: page.nextPageToken };
      });
      if (globals.output === "json") {
        const res = create(ListRoleBindingsResponseSchema, { bindings });
        return printMessage(ListRoleBindingsResponseSchema, res);
      }
      printTable(
        ["user", "role", "since", "granted by"],
        bindings.map((b) => [b.username, roleName(b.role), when(b.createTime), b.createdBy]),
      );
    });

  role
    .command("grant")
    .description("Give a user a role on a project (replacing the role it held)")
    .argument("<project>", "the project")
    .argument("<user>", "the username")
    .argument("<role>", "viewer, editor or admin")
    .action(
      async (project: string, username: string, name: string, _opts: unknown, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const granted = parseRole(name);
        const session = await openSession(globals);
        const res = await session.auth.grantRole({ project, username, role: granted });
        if (globals.output === "json") return printMessage(RoleBindingSchema, res.binding!);
        process.stdout.write(`Granted ${roleName(granted)} on ${project} to ${username}\n`);
      },
    );

  role
    .command("revoke")
    .description("Remove a user's role on a project; with ROLE, only if it is that role")
    .argument("<project>", "the project")
    .argument("<user>", "the username")
    .argument("[role]", "the role the user must hold for it to be removed")
    .action(
      async (
        project: string,
        username: string,
        name: string | undefined,
        _opts: unknown,
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const expected = name === undefined ? undefined : parseRole(name);
        const session = await openSession(globals);
        if (expected !== undefined) {
          const bindings = await allPages(async (pageToken, pageSize) => {
            const page = await session.auth.listRoleBindings({ project, pageSize, pageToken });
            return { items: page.bindings, next: page.nextPageToken };
          });
          const held = bindings.find((b) => b.username === username);
          if (held && held.role !== expected) {
            throw new ConnectError(
              `${username} holds ${roleName(held.role)} on ${project}, not ${roleName(expected)}; nothing was revoked`,
              Code.FailedPrecondition,
            );
          }
        }
        await session.auth.revokeRole({ project, username });
        if (globals.output === "json") return void process.stdout.write("{}\n");
        process.stdout.write(`Revoked the role of ${username} on ${project}\n`);
      },
    );

  return role;
}
