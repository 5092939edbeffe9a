import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditResult, ListAuditEventsResponseSchema, type AuditEvent } from "@guardian/api";
import { Command } from "commander";
import { parseCount, parseSince } from "./durations.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

interface AuditOptions {
  project?: string;
  actor?: string;
  action?: string;
  since?: string;
  limit: string;
}

/** An audit result as the CLI prints it: `ok`, `denied`, `failed` or `pending`. */
function resultName(result: AuditResult): string {
  return (AuditResult[result] ?? String(result)).toLowerCase();
}

/** `guardian audit list`. */
export function auditCommand(): Command {
  const audit = new Command("audit").description("Read the audit log");

  audit
    .command("list")
    .description(
      "List audit events, newest first (global admins: every project; project admins: --project)",
    )
    .option("--project <project>", "only this project's events")
    .option("--actor <actor>", "only this actor's events")
    .option("--action <action>", 'only this action, or a prefix ending in "*"')
    .option("--since <when>", "only events since a duration ago (1h, 7d) or an ISO date-time")
    .option("--limit <n>", "at most this many events", "100")
    .action(async (opts: AuditOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const limit = parseCount(opts.limit, "--limit");
      const since = opts.since === undefined ? undefined : parseSince(opts.since, "--since");
      const filter = {
        actor: opts.actor ?? "",
        action: opts.action ?? "",
        startTime: since ? timestampFromDate(since) : undefined,
      };
      const session = await openSession(globals);
      const project = opts.project;
      const events = await allPages<AuditEvent>(async (pageToken, pageSize) => {
        const page = project
          ? await session.auth.listProjectAuditEvents({ project, filter, pageSize, pageToken })
          : await session.auth.listAuditEvents({ filter, pageSize, pageToken });
        return { items: page.events, next: page.nextPageToken };
      }, limit);
      if (globals.output === "json") {
        const res = create(ListAuditEventsResponseSchema, { events });
        return printMessage(ListAuditEventsResponseSchema, res);
      }
      printTable(
        ["time", "actor", "action", "target", "result"],
        events.map((e) => [
          when(e.time),
          e.actor,
          e.action,
          e.target,
          e.errorCode ? `${resultName(e.result)} (${e.errorCode})` : resultName(e.result),
        ]),
      );
    });

  return audit;
}
