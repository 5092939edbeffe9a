import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { consoleDist, createConsoleSite, ensureConsoleBuilt } from "@guardian/console";
import type { Logger, StaticSite } from "@guardian/kit";
import { UsageError } from "../usage-error.js";

/** What the console's serving needs from the settings. */
export interface ConsoleSettings {
  /** GUARDIAN_CONSOLE_DIR: the built console; unset, the installation's own. */
  consoleDir?: string;
  /** KEYCLOAK_ISSUER_URL: the external issuer the console signs in with, if any. */
  keycloakIssuerUrl?: string;
}

/**
 * The origins the console's page calls besides its own: each configured external issuer's
 * (its discovery document and token endpoint live under the issuer URL, as Keycloak's do).
 */
export function consoleConnectOrigins(settings: ConsoleSettings): string[] {
  const issuers = [settings.keycloakIssuerUrl].filter((u): u is string => Boolean(u));
  return [...new Set(issuers.map((u) => new URL(u).origin))];
}

/**
 * Builds the web console when its sources changed (saying so on stderr, with the time it
 * took) and returns the site that serves it. A console that cannot be built (a production
 * install without the build tools) is logged and left out: the API is served regardless.
 */
export async function loadConsole(
  logger: Logger,
  settings: ConsoleSettings,
): Promise<StaticSite | undefined> {
  try {
    const dir = await ensureConsoleBuilt({
      ...(settings.consoleDir ? { dist: settings.consoleDir } : {}),
      log: (line) => process.stderr.write(`guardian: ${line}\n`),
    });
    return createConsoleSite({ dir, connectOrigins: consoleConnectOrigins(settings) });
  } catch (err) {
    logger.warn({ err }, "the web console could not be built; it is not served");
    return undefined;
  }
}

/**
 * The site of an already built console (`guardian serve console`): it never builds, and a
 * folder without `index.html` is refused with a message naming it.
 */
export function loadBuiltConsole(settings: ConsoleSettings): StaticSite {
  const dir = resolve(settings.consoleDir ?? consoleDist);
  if (!existsSync(join(dir, "index.html"))) {
    throw new UsageError(
      `GUARDIAN_CONSOLE_DIR: ${dir} holds no built console (no index.html); build it with \`pnpm --filter @guardian/console build\` and point GUARDIAN_CONSOLE_DIR at its dist folder`,
    );
  }
  return createConsoleSite({ dir, connectOrigins: consoleConnectOrigins(settings) });
}
