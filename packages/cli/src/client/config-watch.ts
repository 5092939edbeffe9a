import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigChange, WatchTarget } from "@guardian/client";
import { Command } from "commander";
import { UsageError } from "../usage-error.js";
import { openSession, type GlobalOptions } from "./session.js";

/** One change as a JSON line: 64-bit numbers as strings, as in proto JSON. */
function changeJson(change: ConfigChange): Record<string, unknown> {
  const config = change.type === "deleted" ? undefined : change.config;
  return {
    type: change.type,
    key: change.key,
    revision: String(change.revision),
    ...(config
      ? { version: String(config.version), schema: config.schema, content: config.content }
      : {}),
  };
}

function changeLine(change: ConfigChange): string {
  const version = change.type === "deleted" ? "" : `  version ${change.config.version}`;
  return `${change.revision}  ${change.type.toUpperCase().padEnd(7)}  ${change.key}${version}`;
}

/**
 * `guardian config watch PROJECT [KEY] [--prefix P]`: prints every change until Ctrl-C,
 * one line each (`-o json`: one JSON object per line). It runs on the SDK's subscription,
 * so it resumes from its last revision after a disconnect and prints no change twice.
 */
export function configWatchCommand(): Command {
  return new Command("watch")
    .description("Print changes to a config, a key prefix or a project until Ctrl-C")
    .argument("<project>", "the project")
    .argument("[key]", "one config (default: the whole project)")
    .option("--prefix <prefix>", "every key starting with this prefix")
    .action(
      async (project: string, key: string | undefined, opts: { prefix?: string }, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        if (key !== undefined && opts.prefix !== undefined) {
          throw new UsageError("give a key or --prefix, not both");
        }
        const session = await openSession(globals);
        if (!session.sdk) {
          throw new ConnectError(
            `no credentials for ${session.url}: run "guardian login" or set GUARDIAN_API_KEY`,
            Code.Unauthenticated,
          );
        }
        const target: WatchTarget =
          key !== undefined ? { key } : opts.prefix !== undefined ? { prefix: opts.prefix } : {};
        const sub = session.sdk.subscribe(project, target, {
          onRetry: (err) =>
            process.stderr.write(`reconnecting after ${Code[err.code]}: ${err.rawMessage}\n`),
          logger: { warn: (message) => process.stderr.write(`${message}\n`) },
        });
        const stop = () => void sub.close();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        await sub.ready();
        process.stderr.write(
          `watching ${sub.current().size} config(s) of ${project} from revision ${sub.revision} (Ctrl-C to stop)\n`,
        );
        const json = globals.output === "json";
        for await (const change of sub) {
          process.stdout.write(
            `${json ? JSON.stringify(changeJson(change)) : changeLine(change)}\n`,
          );
        }
        if (sub.error) throw sub.error;
      },
    );
}
