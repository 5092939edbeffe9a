import { randomBytes } from "node:crypto";
import { authSettings } from "@guardian/authz";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import { loadBuiltConsole } from "../host/console.js";
import { processLogger, runServer } from "../host/run-server.js";
import {
  consoleSettings,
  processCountSettings,
  processSettings,
  requireOneProcess,
} from "../settings.js";

/**
 * Runs `guardian serve console`: the built web console (GUARDIAN_CONSOLE_DIR) with health and
 * metrics, and nothing else: no database, no RPCs. It never builds the console; a folder
 * without `index.html` stops it with a message naming the setting.
 */
export async function runServeConsole(): Promise<void> {
  const settings = exitOnConfigError(() => {
    const read = readConfig(process.env, {
      ...processSettings,
      ...processCountSettings,
      ...consoleSettings,
      keycloakIssuerUrl: authSettings.keycloakIssuerUrl,
    });
    requireOneProcess(read.processes, "the web console alone is served by one process");
    return read;
  });
  const site = loadBuiltConsole(settings);
  const logger = processLogger(settings, "guardian-console");
  const address = await runServer({
    // No list RPC is served here, so page tokens are never signed: any secret will do.
    settings: { ...settings, pageTokenSecret: randomBytes(32).toString("base64url") },
    logger,
    services: [],
    site,
  });
  logger.info({ url: address.url, services: ["console"] }, "listening");
}
