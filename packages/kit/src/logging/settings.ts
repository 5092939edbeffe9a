import { oneOf } from "../config/fields.js";

/** The logging settings every Guardian process reads. */
export const logSettings = {
  logLevel: oneOf("GUARDIAN_LOG_LEVEL", ["debug", "info", "warn", "error"], {
    default: "info",
    description: "Lowest log level written",
  }),
  logFormat: oneOf("GUARDIAN_LOG_FORMAT", ["json", "pretty"], {
    default: "json",
    description: "json lines, or compact text for a terminal",
  }),
} as const;
