/**
 * Guardian's web console, server side: building it ({@link ensureConsoleBuilt}) and serving
 * it on the API's own port ({@link createConsoleSite}). The application itself is in `web/`.
 */
export { consoleDist, consoleRoot, ensureConsoleBuilt } from "./build.js";
export type { EnsureConsoleOptions } from "./build.js";
export { consoleCsp, createConsoleSite } from "./site.js";
export type { ConsoleSiteOptions } from "./site.js";
