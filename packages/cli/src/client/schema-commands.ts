import { fromJson, toJsonString } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AddSchemaVersionResponseSchema,
  CreateSchemaResponseSchema,
  DryRunSchemaVersionResponseSchema,
  FormatMode,
  ListSchemasResponseSchema,
  SchemaVersionSchema,
  ValidateDocumentResponseSchema,
  type Violation,
} from "@guardian/api";
import { create } from "@bufbuild/protobuf";
import { Command, InvalidArgumentError } from "commander";
import { exitCodes } from "./exit-codes.js";
import { parseJson, readTextFile } from "./input.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { parseCount } from "./durations.js";
import { openSession, type GlobalOptions } from "./session.js";
import { breakingLines, violationLines, warningLines } from "./violations.js";

/** Reads a JSON document from a file (or stdin for "-") as a protobuf Value. */
async function readDocument(file: string): Promise<Value> {
  return fromJson(ValueSchema, parseJson(await readTextFile(file), file) as never);
}

const formatModes: Record<string, FormatMode> = {
  assert: FormatMode.ASSERT,
  annotate: FormatMode.ANNOTATE,
};

/** Reads `--format-mode`: assert or annotate. */
function parseFormatMode(value: string): FormatMode {
  const mode = formatModes[value];
  if (mode === undefined) {
    throw new InvalidArgumentError(`must be "assert" or "annotate", got ${JSON.stringify(value)}`);
  }
  return mode;
}

const formatModeHelp =
  "what `format` does: assert (a value that does not match its format is a violation) or " +
  "annotate (format never fails validation); default: the latest version's, assert for a new schema";

/**
 * The format mode to send for a new version of an existing schema: the one asked for, else
 * the latest version's, so that pushing the same document again changes nothing.
 */
async function formatModeFor(
  session: Awaited<ReturnType<typeof openSession>>,
  project: string,
  name: string,
  asked: FormatMode | undefined,
): Promise<FormatMode> {
  if (asked !== undefined) return asked;
  const latest = await session.schema.getSchema({ project, name, version: 0 });
  return latest.schemaVersion?.formatMode || FormatMode.ASSERT;
}

function printWarnings(warnings: readonly Violation[]): void {
  for (const line of warningLines(warnings)) process.stderr.write(`${line}\n`);
}

interface DryRunOptions {
  file: string;
  formatMode?: FormatMode;
}

/** `guardian schema list|get|push|validate|dry-run`. */
export function schemaCommand(): Command {
  const schema = new Command("schema").description(
    "List, read, push, validate against and dry-run JSON Schemas",
  );

  schema
    .command("list")
    .description("List the schemas of a project")
    .argument("<project>", "the project")
    .action(async (project: string, _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const schemas = await allPages(async (pageToken, pageSize) => {
        const page = await session.schema.listSchemas({ project, pageSize, pageToken });
        return { items: page.schemas, next: page.nextPageToken };
      });
      if (globals.output === "json") {
        return printMessage(
          ListSchemasResponseSchema,
          create(ListSchemasResponseSchema, { schemas }),
        );
      }
      printTable(
        ["name", "latest", "updated", "created by", "description"],
        schemas.map((s) => [
          s.name,
          String(s.latestVersion),
          when(s.updateTime),
          s.createdBy,
          s.description,
        ]),
      );
    });

  schema
    .command("get")
    .description("Print a schema version's document (default: the latest version)")
    .argument("<project>", "the project")
    .argument("<name>", "the schema")
    .option("--version <n>", "the version to print")
    .action(async (project: string, name: string, opts: { version?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const version = opts.version === undefined ? 0 : parseCount(opts.version, "--version");
      const session = await openSession(globals);
      const res = await session.schema.getSchema({ project, name, version });
      const found = res.schemaVersion!;
      if (globals.output === "json") return printMessage(SchemaVersionSchema, found);
      process.stdout.write(
        `${toJsonString(ValueSchema, found.contentValue!, { prettySpaces: 2 })}\n`,
      );
    });

  schema
    .command("push")
    .description("Create a schema, or add a version to it when it exists")
    .argument("<project>", "the project")
    .argument("<name>", "the schema")
    .requiredOption("--file <file>", "the JSON Schema document (- for stdin)")
    .option("--message <text>", "a message recorded with the version")
    .option("--force", "add the version even if configs that follow the latest would break")
    .option("--format-mode <mode>", formatModeHelp, parseFormatMode)
    .action(
      async (
        project: string,
        name: string,
        opts: { file: string; message?: string; force?: boolean; formatMode?: FormatMode },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const contentValue = await readDocument(opts.file);
        const session = await openSession(globals);
        const message = opts.message ?? "";
        try {
          const res = await session.schema.createSchema({
            project,
            name,
            contentValue,
            message,
            formatMode: opts.formatMode ?? FormatMode.ASSERT,
          });
          if (globals.output === "json") return printMessage(CreateSchemaResponseSchema, res);
          process.stdout.write(`Created schema ${name} in ${project}: version 1\n`);
          return printWarnings(res.warnings);
        } catch (err) {
          if (!(err instanceof ConnectError) || err.code !== Code.AlreadyExists) throw err;
        }
        const force = opts.force ?? false;
        const formatMode = await formatModeFor(session, project, name, opts.formatMode);
        const res = await session.schema.addSchemaVersion({
          project,
          name,
          contentValue,
          message,
          force,
          formatMode,
        });
        if (globals.output === "json") return printMessage(AddSchemaVersionResponseSchema, res);
        const version = res.schemaVersion?.version;
        process.stdout.write(
          res.created
            ? `Added version ${version} of schema ${name} in ${project}\n`
            : `Unchanged: version ${version} of schema ${name} is the same document\n`,
        );
        printWarnings(res.warnings);
        if (res.breakingCount > 0n) {
          process.stderr.write(
            `${res.breakingCount} config(s) no longer validate; their next write must:\n`,
          );
          process.stderr.write(`${breakingLines(res.breaking).join("\n")}\n`);
        }
      },
    );

  schema
    .command("validate")
    .description("Validate a JSON document against a schema version (exit 1 when invalid)")
    .argument("<project>", "the project")
    .argument("<name>", "the schema")
    .requiredOption("--file <file>", "the JSON document (- for stdin)")
    .option("--version <n>", "the version to validate against (default: the latest)")
    .action(
      async (
        project: string,
        name: string,
        opts: { file: string; version?: string },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const version = opts.version === undefined ? 0 : parseCount(opts.version, "--version");
        const document = await readDocument(opts.file);
        const session = await openSession(globals);
        const res = await session.schema.validateDocument({ project, name, version, document });
        if (!res.valid) process.exitCode = exitCodes.failed;
        if (globals.output === "json") return printMessage(ValidateDocumentResponseSchema, res);
        if (res.valid) {
          return void process.stdout.write(`Valid against version ${res.version} of ${name}\n`);
        }
        const lines = [`Invalid against version ${res.version} of ${name}:`];
        lines.push(...violationLines(res.violations));
        if (res.truncated) lines.push("  (more violations not shown)");
        process.stdout.write(`${lines.join("\n")}\n`);
      },
    );

  schema
    .command("dry-run")
    .description("Show which configs a new version would break, writing nothing")
    .argument("<project>", "the project")
    .argument("<name>", "the schema")
    .requiredOption("--file <file>", "the candidate JSON Schema document (- for stdin)")
    .option("--format-mode <mode>", formatModeHelp, parseFormatMode)
    .action(async (project: string, name: string, opts: DryRunOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const contentValue = await readDocument(opts.file);
      const session = await openSession(globals);
      const formatMode = await formatModeFor(session, project, name, opts.formatMode);
      const res = await session.schema.dryRunSchemaVersion({
        project,
        name,
        contentValue,
        formatMode,
      });
      if (globals.output === "json") return printMessage(DryRunSchemaVersionResponseSchema, res);
      const lines: string[] = [];
      if (res.unchanged) lines.push(`Unchanged: the document equals the latest version of ${name}`);
      else lines.push(`Would add version ${res.nextVersion} of ${name}`);
      if (res.breakingCount > 0n) {
        lines.push(
          `BREAKS ${res.breakingCount} of ${res.checkedCount} config(s) that follow the latest version (at revision ${res.revision}):`,
          ...breakingLines(res.wouldBreak),
        );
        if (BigInt(res.wouldBreak.length) < res.breakingCount) lines.push("  (more not shown)");
      } else {
        lines.push(`Breaks no config (${res.checkedCount} checked at revision ${res.revision})`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
      printWarnings(res.warnings);
    });

  return schema;
}
