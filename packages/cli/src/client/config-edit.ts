import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import { ConfigSchema, type Config } from "@guardian/api";
import { fromContent, prettyJson, toContent } from "./config-args.js";
import { exitCodes } from "./exit-codes.js";
import { ask } from "./input.js";
import { formatChange, jsonChanges } from "./json-changes.js";
import { printMessage } from "./output.js";
import { openSession, type GlobalOptions, type Session } from "./session.js";

/** Ends the command with a message on stderr and an exit code, without a stack. */
function fail(message: string, code: number): void {
  process.stderr.write(`guardian: ${message}\n`);
  process.exitCode = code;
}

/** Runs `$VISUAL`, else `$EDITOR`, else `vi`, through the shell on `file`; its exit code. */
async function runEditor(file: string): Promise<number> {
  const editor = process.env.VISUAL || process.env.EDITOR || "vi";
  // The editor setting may carry arguments ("code --wait"): the shell splits it.
  const child = spawn("/bin/sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" });
  const [code] = (await once(child, "close")) as [number | null];
  return code ?? 1;
}

/**
 * Opens the editor on `file` until it holds valid JSON. Invalid JSON is reported and, on a
 * terminal, the editor offered again. Undefined when the edit ends here (the exit code set).
 */
async function editUntilJson(file: string): Promise<JsonValue | undefined> {
  for (;;) {
    const code = await runEditor(file);
    if (code !== 0) {
      fail(`the editor exited with code ${code}; nothing was written (the text is in ${file})`, 1);
      return undefined;
    }
    const text = await readFile(file, "utf8");
    try {
      return JSON.parse(text) as JsonValue;
    } catch (err) {
      process.stderr.write(`guardian: ${file} is not valid JSON: ${(err as Error).message}\n`);
    }
    if (process.stdin.isTTY) {
      const answer = await ask("Open the editor again? [Y/n] ");
      if (/^(y(es)?)?$/i.test(answer.trim())) continue;
    }
    fail(`nothing was written; your edit is kept in ${file}`, exitCodes.usage);
    return undefined;
  }
}

/** Says what changed under an edit: the new version and the current content against the edit. */
async function reportConflict(session: Session, fetched: Config, edited: JsonValue, file: string) {
  const now = await session.config
    .getConfig({ project: fetched.project, key: fetched.key })
    .catch(() => undefined);
  const lines = [`${fetched.key} changed while you edited version ${fetched.version}.`];
  if (now?.config) {
    lines.push(`It is now at version ${now.config.version}. From its content to your edit:`);
    const changes = jsonChanges(fromContent(now.config.content), edited);
    lines.push(...changes.map((c) => `  ${formatChange(c)}`));
    if (changes.length === 0) lines.push("  (none: it already holds your edit)");
  }
  lines.push(`Your edit is kept in ${file}; run "guardian config edit" again to redo it.`);
  process.stderr.write(`${lines.join("\n")}\n`);
}

/** Adds `guardian config edit`. */
export function addConfigEditCommand(config: Command): void {
  config
    .command("edit")
    .description("Edit a config's content in $VISUAL or $EDITOR, then write it back")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .option("--message <text>", "recorded with the revision")
    .action(async (project: string, key: string, opts: { message?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const fetched = (await session.config.getConfig({ project, key })).config!;
      const original = fromContent(fetched.content);
      const dir = await mkdtemp(join(tmpdir(), "guardian-edit-"));
      const file = join(dir, `${key.replace(/\//g, "_")}.json`);
      await writeFile(file, prettyJson(original), { mode: 0o600 });

      const edited = await editUntilJson(file);
      if (edited === undefined) return;
      if (jsonChanges(original, edited).length === 0) {
        await rm(dir, { recursive: true, force: true });
        process.stdout.write(`No change to ${key}\n`);
        return;
      }
      const check = await session.schema.validateDocument({
        project,
        name: fetched.schema,
        version: fetched.schemaVersion,
        document: toContent(edited),
      });
      if (!check.valid) {
        const lines = [`the edit does not match schema ${fetched.schema} v${check.version}:`];
        for (const v of check.violations) {
          lines.push(`  at ${v.pointer === "" ? "(document)" : v.pointer}: ${v.message}`);
        }
        if (check.truncated) lines.push("  (more violations not shown)");
        lines.push(`nothing was written; your edit is kept in ${file}`);
        return fail(lines.join("\n"), exitCodes.failed);
      }
      let updated: Config;
      try {
        const res = await session.config.updateConfig({
          project,
          key,
          content: toContent(edited),
          expectedVersion: fetched.version,
          message: opts.message ?? "",
        });
        updated = res.config!;
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.Aborted) {
          await reportConflict(session, fetched, edited, file);
        } else {
          process.stderr.write(`Your edit is kept in ${file}\n`);
        }
        throw err;
      }
      await rm(dir, { recursive: true, force: true });
      if (globals.output === "json") return printMessage(ConfigSchema, updated);
      process.stdout.write(`Updated ${key} at version ${updated.version}\n`);
    });
}
