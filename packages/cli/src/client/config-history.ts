import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import {
  ChangeType,
  DiffRevisionsResponseSchema,
  ListRevisionsResponseSchema,
  type Revision,
} from "@guardian/api";
import { fromContent, limitArg, revisionArg, versionArg } from "./config-args.js";
import { formatChange } from "./json-changes.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

/** What a write did, for the history table: create, update, delete, or "rollback to R". */
function operation(r: Revision): string {
  if (r.changeType === ChangeType.ROLLBACK) return `rollback to ${r.rolledBackFrom}`;
  return (ChangeType[r.changeType] ?? "unknown").toLowerCase();
}

/** Adds `guardian config history` and `guardian config diff`. */
export function addConfigHistoryCommands(config: Command): void {
  config
    .command("history")
    .description("List the revisions of a config, newest first")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .option("--limit <n>", "at most this many revisions (default: all)", limitArg)
    .action(async (project: string, key: string, opts: { limit?: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const revisions = await allPages(async (pageToken, pageSize) => {
        const page = await session.config.listRevisions({ project, key, pageSize, pageToken });
        return { items: page.revisions, next: page.nextPageToken };
      }, opts.limit);
      if (globals.output === "json") {
        return printMessage(
          ListRevisionsResponseSchema,
          create(ListRevisionsResponseSchema, { revisions }),
        );
      }
      printTable(
        ["revision", "operation", "time", "author", "message"],
        revisions.map((r) => [
          String(r.revision),
          operation(r),
          when(r.createTime),
          r.author,
          r.message,
        ]),
      );
    });

  config
    .command("diff")
    .description("Show what changed in a config between two revisions (a JSON Patch)")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .argument("<from-revision>", "the revision to diff from", revisionArg)
    .argument("[to-revision]", "the revision to diff to (default: the current version)", versionArg)
    .action(
      async (
        project: string,
        key: string,
        fromRevision: bigint,
        toRevision: bigint | undefined,
        _opts: unknown,
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const session = await openSession(globals);
        const res = await session.config.diffRevisions({
          project,
          key,
          fromRevision,
          toRevision: toRevision ?? 0n,
        });
        if (globals.output === "json") return printMessage(DiffRevisionsResponseSchema, res);
        const span = `revision ${res.fromRevision} to revision ${res.toRevision}`;
        if (res.operations.length === 0) {
          process.stdout.write(`No change from ${span}\n`);
          return;
        }
        const lines = res.operations.map((op) =>
          formatChange({
            op: op.op,
            path: op.path,
            from: op.from,
            value: op.value ? fromContent(op.value) : undefined,
          }),
        );
        process.stdout.write(`Changes from ${span}:\n${lines.join("\n")}\n`);
      },
    );
}
