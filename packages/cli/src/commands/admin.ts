import { readFile } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { ensureAdminAccount } from "@guardian/auth-service";
import { authSettings } from "@guardian/authz";
import { createPool, isDatabaseNotReady } from "@guardian/db";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { Command, Option } from "commander";
import { readStdin } from "../client/input.js";
import { databaseSettings } from "../settings.js";
import { UsageError } from "../usage-error.js";

/** The options of `guardian admin create`. */
export interface AdminCreateOptions {
  username: string;
  passwordStdin?: boolean;
  passwordFile?: string;
  resetPassword?: boolean;
}

/**
 * The `guardian admin` command group: `admin create` makes the first global administrator
 * (or any other) directly in the database at DATABASE_URL, for deployments where nobody can
 * sign in yet.
 */
export function adminCommand(): Command {
  const admin = new Command("admin").description(
    "Administer a deployment directly through its database (DATABASE_URL)",
  );
  admin
    .command("create")
    .description(
      "Create a local global admin (idempotent: the same username and password again changes nothing)",
    )
    .requiredOption("--username <name>", "the admin's username")
    .addOption(
      new Option("--password-stdin", "read the password from stdin (one line)").conflicts(
        "passwordFile",
      ),
    )
    .addOption(
      new Option("--password-file <path>", "read the password from a file (a mounted secret)"),
    )
    .option("--reset-password", "replace the password of an existing user whose password differs")
    .action((opts: AdminCreateOptions) => runAdminCreate(opts));
  return admin;
}

/**
 * Runs `guardian admin create`: checks the username and password as CreateUser does, then
 * creates the user (or finds it unchanged, or resets it with `--reset-password`) and says
 * which on stdout.
 */
export async function runAdminCreate(opts: AdminCreateOptions): Promise<void> {
  if (!opts.passwordStdin && opts.passwordFile === undefined) {
    throw new UsageError("admin create needs --password-stdin or --password-file <path>");
  }
  const settings = exitOnConfigError(() =>
    readConfig(process.env, {
      ...databaseSettings,
      passwordMinLength: authSettings.passwordMinLength,
    }),
  );
  const password = await readPassword(opts);
  const pool = createPool({ url: settings.databaseUrl, max: 1 });
  try {
    const outcome = await ensureAdminAccount(pool, {
      username: opts.username,
      password,
      resetPassword: opts.resetPassword === true,
      passwordMinLength: settings.passwordMinLength,
    }).catch((err: unknown) => {
      // A username or password the auth service would refuse is the caller's mistake.
      if (err instanceof ConnectError && err.code === Code.InvalidArgument) {
        throw new UsageError(err.rawMessage);
      }
      if (isDatabaseNotReady(err)) {
        throw new ConnectError(
          `cannot reach the database: ${(err as Error).message}`,
          Code.Unavailable,
        );
      }
      throw err;
    });
    const said = {
      created: `created global admin "${opts.username}"`,
      updated: `updated "${opts.username}": an enabled global admin with the given password`,
      unchanged: `global admin "${opts.username}" already exists; nothing changed`,
    };
    process.stdout.write(`guardian admin create: ${said[outcome]}\n`);
  } finally {
    await pool.end();
  }
}

async function readPassword(opts: AdminCreateOptions): Promise<string> {
  let text: string;
  if (opts.passwordFile !== undefined) {
    try {
      text = await readFile(opts.passwordFile, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read ${opts.passwordFile}: ${(err as Error).message}`);
    }
  } else {
    text = await readStdin();
  }
  // One trailing line ending is how files and `echo` end a line, not part of the password.
  const password = text.replace(/\r?\n$/, "");
  if (/[\r\n]/.test(password)) {
    throw new UsageError("the password must be a single line");
  }
  return password;
}
