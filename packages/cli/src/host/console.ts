import { createConsoleSite, ensureConsoleBuilt } from "@guardian/console";
import type { Logger, NodeRequest, NodeResponse } from "@guardian/kit";

/** A static site for kit's server. */
export type Site = (req: NodeRequest, res: NodeResponse, path: string) => boolean;

/**
 * Builds the web console when its sources changed (saying so on stderr, with the time it
 * took) and returns the site that serves it. A console that cannot be built (a production
 * install without the build tools) is logged and left out: the API is served regardless.
 */
export async function loadConsole(logger: Logger): Promise<Site | undefined> {
  try {
    const dir = await ensureConsoleBuilt({
      log: (line) => process.stderr.write(`guardian: ${line}\n`),
    });
    return createConsoleSite({ dir });
  } catch (err) {
    logger.warn({ err }, "the web console could not be built; it is not served");
    return undefined;
  }
}
