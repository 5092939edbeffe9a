import { Code, ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  ConfigSchema,
  VersionConflictSchema,
  type Config,
  type CreateConfigRequestSchema,
} from "@guardian/api";
import {
  labelArg,
  readDocument,
  revisionArg,
  schemaVersionArg,
  toContent,
  versionArg,
} from "./config-args.js";
import { exitCodeOf, exitCodes } from "./exit-codes.js";
import { printMessage } from "./output.js";
import { openSession, type GlobalOptions, type Session } from "./session.js";

/** The schema a config created without `--schema` is bound to: it accepts every document. */
export const anySchema = "any";

interface SetOptions {
  file: string;
  schema?: string;
  schemaVersion?: number;
  expectedVersion?: bigint;
  idempotencyKey?: string;
  message?: string;
  label?: Record<string, string>;
}

function isCode(err: unknown, code: Code): err is ConnectError {
  return err instanceof ConnectError && err.code === code;
}

/** An idempotency key sent before with another request (the CLI counts it as a conflict). */
function isKeyReuse(err: unknown): boolean {
  return isCode(err, Code.InvalidArgument) && exitCodeOf(err) === exitCodes.conflict;
}

/** Creates the project's permissive schema `any` (content `true`) unless it exists. */
async function ensureAnySchema(session: Session, project: string): Promise<void> {
  try {
    await session.schema.createSchema({
      project,
      name: anySchema,
      contentValue: toContent(true),
      description: "Accepts every JSON document; configs set without a schema are bound to it.",
    });
  } catch (err) {
    // Someone else created it first: just as good.
    if (!isCode(err, Code.AlreadyExists)) throw err;
  }
}

/**
 * Creates a config. Without an explicit schema it is bound to `any`, which is created first
 * when the project does not have it yet.
 */
async function createConfig(
  session: Session,
  req: MessageInitShape<typeof CreateConfigRequestSchema> & { project: string },
  schemaGiven: boolean,
): Promise<Config> {
  try {
    return (await session.config.createConfig(req)).config!;
  } catch (err) {
    if (schemaGiven || !isCode(err, Code.NotFound)) throw err;
    await ensureAnySchema(session, req.project);
    return (await session.config.createConfig(req)).config!;
  }
}

/** A creation refused because the config exists, with the version it is at (when readable). */
async function withCurrentVersion(
  session: Session,
  project: string,
  key: string,
  err: ConnectError,
): Promise<ConnectError> {
  const current = await session.config.getConfig({ project, key }).catch(() => undefined);
  if (!current?.config) return err;
  const conflict = { project, key, expectedVersion: 0n, currentVersion: current.config.version };
  return new ConnectError(err.rawMessage, err.code, err.metadata, [
    { desc: VersionConflictSchema, value: conflict },
  ]);
}

/**
 * Writes a config from a file: an update of what was given when it exists, else a creation.
 * `--expected-version 0` creates only; N > 0 updates only, at version N.
 */
async function setConfig(
  session: Session,
  project: string,
  key: string,
  opts: SetOptions,
): Promise<{ config: Config; created: boolean }> {
  const content = toContent(await readDocument(opts.file));
  const common = {
    project,
    key,
    content,
    idempotencyKey: opts.idempotencyKey ?? "",
    message: opts.message ?? "",
  };
  const create = async () => {
    const req = {
      ...common,
      schema: opts.schema ?? anySchema,
      schemaVersion: opts.schemaVersion ?? 0,
      labels: opts.label ?? {},
    };
    return { config: await createConfig(session, req, opts.schema !== undefined), created: true };
  };
  if (opts.expectedVersion === 0n) {
    try {
      return await create();
    } catch (err) {
      if (!isCode(err, Code.AlreadyExists)) throw err;
      throw await withCurrentVersion(session, project, key, err);
    }
  }
  const paths = ["content"];
  if (opts.schema !== undefined) paths.push("schema");
  if (opts.schemaVersion !== undefined) paths.push("schema_version");
  if (opts.label !== undefined) paths.push("labels");
  try {
    const res = await session.config.updateConfig({
      ...common,
      expectedVersion: opts.expectedVersion,
      schema: opts.schema ?? "",
      schemaVersion: opts.schemaVersion ?? 0,
      labels: opts.label ?? {},
      updateMask: { paths },
    });
    return { config: res.config!, created: false };
  } catch (err) {
    // Not there: create it. A key that recorded a creation: the creation's retry replays it.
    const retry = isCode(err, Code.NotFound) || (opts.idempotencyKey && isKeyReuse(err));
    if (opts.expectedVersion !== undefined || !retry) throw err;
    try {
      return await create();
    } catch (second) {
      // The config exists after all (a missing schema, a key reused): the update said why.
      if (isCode(second, Code.AlreadyExists)) throw err;
      throw second;
    }
  }
}

/** Adds `guardian config set`. */
export function addConfigSetCommand(config: Command): void {
  config
    .command("set")
    .description("Create a config, or update its content, from a JSON file")
    .argument("<project>", "the project")
    .argument("<key>", "the config key, for example eu/checkout/limits")
    .requiredOption("--file <file>", 'the JSON document ("-": stdin)')
    .option("--schema <name>", `the schema to bind (a new config: default "${anySchema}")`)
    .option(
      "--schema-version <n>",
      "the schema version to pin (0: follow the latest)",
      schemaVersionArg,
    )
    .option(
      "--expected-version <n>",
      "only if the config is at version N (0: must not exist)",
      versionArg,
    )
    .option("--idempotency-key <key>", "makes a retry of this call safe")
    .option("--message <text>", "recorded with the revision")
    .option(
      "--label <key=value>",
      "the config's labels, replacing the old ones (repeatable)",
      labelArg,
    )
    .action(async (project: string, key: string, opts: SetOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await setConfig(session, project, key, opts);
      if (globals.output === "json") return printMessage(ConfigSchema, res.config);
      const verb = res.created ? "Created" : "Updated";
      process.stdout.write(`${verb} ${key} at version ${res.config.version}\n`);
    });
}

interface RollbackOptions {
  toRevision: bigint;
  expectedVersion?: bigint;
  idempotencyKey?: string;
  message?: string;
}

/** Adds `guardian config rollback`. */
export function addConfigRollbackCommand(config: Command): void {
  config
    .command("rollback")
    .description("Restore an earlier revision of a config, as a new revision")
    .argument("<project>", "the project")
    .argument("<key>", "the config key")
    .requiredOption("--to-revision <r>", "the revision whose state is restored", revisionArg)
    .option("--expected-version <n>", "only if the config is at version N (0: deleted)", versionArg)
    .option("--idempotency-key <key>", "makes a retry of this call safe")
    .option("--message <text>", "recorded with the revision")
    .action(async (project: string, key: string, opts: RollbackOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.config.rollbackConfig({
        project,
        key,
        toRevision: opts.toRevision,
        expectedVersion: opts.expectedVersion,
        idempotencyKey: opts.idempotencyKey ?? "",
        message: opts.message ?? "",
      });
      if (globals.output === "json") return printMessage(ConfigSchema, res.config!);
      process.stdout.write(
        `Rolled back ${key} to revision ${opts.toRevision}: now at version ${res.config?.version}\n`,
      );
    });
}
