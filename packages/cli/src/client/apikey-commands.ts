import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ApiKeyScope,
  ApiKeySchema,
  CreateApiKeyResponseSchema,
  ListApiKeysResponseSchema,
  RotateApiKeyResponseSchema,
  type ApiKey,
} from "@guardian/api";
import { Command, Option } from "commander";
import { parseDuration } from "./durations.js";
import { printMessage, printTable, when } from "./output.js";
import { allPages } from "./pages.js";
import { openSession, type GlobalOptions } from "./session.js";

const scopes: Record<string, ApiKeyScope> = {
  read: ApiKeyScope.READ,
  "read-write": ApiKeyScope.READ_WRITE,
};

/** A key's scope as the CLI names it: `read` or `read-write`. */
export function scopeName(scope: ApiKeyScope): string {
  return Object.entries(scopes).find(([, s]) => s === scope)?.[0] ?? "unspecified";
}

function status(key: ApiKey, now = Date.now()): string {
  if (key.revokeTime) return "revoked";
  if (key.expireTime && Number(key.expireTime.seconds) * 1000 <= now) return "expired";
  return "live";
}

interface CreateOptions {
  name: string;
  scope: string;
  keyPrefix?: string;
  expiresIn?: string;
}

/** `guardian apikey create|list|revoke|rotate`. */
export function apikeyCommand(): Command {
  const apikey = new Command("apikey").description("Create, list, revoke and rotate API keys");

  apikey
    .command("create")
    .description("Create an API key; its secret is printed once, alone on stdout")
    .argument("<project>", "the project")
    .requiredOption("--name <name>", "the key's name, unique among the project's live keys")
    .addOption(
      new Option("--scope <scope>", "what the key may do")
        .choices(Object.keys(scopes))
        .default("read"),
    )
    .option("--key-prefix <prefix>", "only configs under this key prefix")
    .option("--expires-in <duration>", "expire after this long (30d, 12h, 2w)")
    .action(async (project: string, opts: CreateOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const ttl =
        opts.expiresIn === undefined ? undefined : parseDuration(opts.expiresIn, "--expires-in");
      const session = await openSession(globals);
      const res = await session.auth.createApiKey({
        project,
        name: opts.name,
        scope: scopes[opts.scope]!,
        keyPrefix: opts.keyPrefix ?? "",
        expireTime: ttl === undefined ? undefined : timestampFromMs(Date.now() + ttl),
      });
      if (globals.output === "json") return printMessage(CreateApiKeyResponseSchema, res);
      process.stderr.write(
        `Created API key ${res.apiKey?.id} (${opts.name}, ${opts.scope}) in ${project}; ` +
          "the secret below is shown only once:\n",
      );
      process.stdout.write(`${res.secret}\n`);
    });

  apikey
    .command("list")
    .description("List the API keys of a project, newest first (never their secrets)")
    .argument("<project>", "the project")
    .option("--all", "also list revoked and expired keys")
    .action(async (project: string, opts: { all?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const apiKeys = await allPages(async (pageToken, pageSize) => {
        const page = await session.auth.listApiKeys({
          project,
          pageSize,
          pageToken,
          includeRevoked: opts.all ?? false,
        });
        return { items: page.apiKeys, next: page.nextPageToken };
      });
      if (globals.output === "json") {
        return printMessage(
          ListApiKeysResponseSchema,
          create(ListApiKeysResponseSchema, { apiKeys }),
        );
      }
      printTable(
        ["id", "name", "scope", "key prefix", "status", "created", "expires", "last used"],
        apiKeys.map((k) => [
          k.id,
          k.name,
          scopeName(k.scope),
          k.keyPrefix,
          status(k),
          when(k.createTime),
          when(k.expireTime),
          when(k.lastUsedTime),
        ]),
      );
    });

  apikey
    .command("revoke")
    .description("Revoke an API key at once (with a previous secret still in its grace period)")
    .argument("<project>", "the project")
    .argument("<id>", "the key id (ak_...)")
    .action(async (project: string, id: string, _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const res = await session.auth.revokeApiKey({ project, id });
      if (globals.output === "json") return printMessage(ApiKeySchema, res.apiKey!);
      process.stdout.write(`Revoked API key ${id} in ${project}\n`);
    });

  apikey
    .command("rotate")
    .description("Issue a new secret for an API key; printed once, alone on stdout")
    .argument("<project>", "the project")
    .argument("<id>", "the key id (ak_...)")
    .option("--grace-period <duration>", "how long the previous secret keeps working (at most 7d)")
    .action(async (project: string, id: string, opts: { gracePeriod?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const grace =
        opts.gracePeriod === undefined
          ? undefined
          : parseDuration(opts.gracePeriod, "--grace-period");
      const session = await openSession(globals);
      const res = await session.auth.rotateApiKey({
        project,
        id,
        gracePeriod: grace === undefined ? undefined : durationFromMs(grace),
      });
      if (globals.output === "json") return printMessage(RotateApiKeyResponseSchema, res);
      const until = res.apiKey?.previousSecretExpireTime;
      process.stderr.write(
        `Rotated API key ${id} in ${project}; the previous secret ` +
          (until ? `works until ${when(until)}` : "stopped working") +
          "; the new secret below is shown only once:\n",
      );
      process.stdout.write(`${res.secret}\n`);
    });

  return apikey;
}
