/**
 * `guardian-ratelimit`: the rate limit service Envoy's ratelimit filter calls. Reads its
 * settings from the environment (see `ratelimitSettings`), the limits from
 * GUARDIAN_RATELIMIT_CONFIG (reloaded when the files change), and keeps token buckets in
 * Redis at REDIS_URL.
 *
 * Run: `tsx services/ratelimit/src/main.ts`.
 */
import {
  createLogger,
  exitOnConfigError,
  onShutdown,
  readConfig,
  startTracing,
} from "@guardian/kit";
import { createRedisBackend } from "./backend/redis.js";
import { LimitsConfigError, type LimitsConfig } from "./limits/config.js";
import { parseLimitsFiles, readLimitsFiles } from "./limits/load.js";
import { reloadLimitsOnChange } from "./reload.js";
import { createRatelimitServer } from "./server.js";
import { ratelimitSettings } from "./settings.js";

const settings = exitOnConfigError(() => readConfig(process.env, ratelimitSettings));
const logger = createLogger({
  level: settings.logLevel,
  pretty: settings.logFormat === "pretty",
  name: "guardian-ratelimit",
});

// Before the Redis client and the server are made: their tracing hooks are fixed then.
const stopTracing = await startTracing("guardian-ratelimit");

let files: Map<string, string>;
let limits: LimitsConfig[];
try {
  files = await readLimitsFiles(settings.configFile);
  limits = parseLimitsFiles(files);
} catch (err) {
  process.stderr.write(
    `${err instanceof LimitsConfigError ? err.message : `cannot read rate limit config ${settings.configFile}: ${(err as Error).message}`}\n`,
  );
  process.exit(2);
}

let lastConnectionLog = 0;
const backend = createRedisBackend({
  url: settings.redisUrl,
  keyPrefix: settings.keyPrefix,
  timeoutMs: settings.redisTimeoutMs,
  onError(err) {
    if (Date.now() - lastConnectionLog >= 10_000) {
      lastConnectionLog = Date.now();
      logger.warn({ err }, "redis connection error");
    }
  },
});

const { server, limiter, metrics } = createRatelimitServer({
  limits,
  backend,
  failureMode: settings.failureMode,
  logger,
  host: settings.host,
  port: settings.port,
  shutdownTimeoutMs: settings.shutdownTimeoutMs,
});
const watcher = reloadLimitsOnChange({
  path: settings.configFile,
  initial: files,
  limiter,
  metrics,
  logger,
  pollMs: settings.configPollMs,
});
const address = await server.listen();
logger.info(
  { url: address.url, domains: limits.map((l) => l.domain), failureMode: settings.failureMode },
  "rate limit service listening",
);
onShutdown(
  logger,
  [
    { name: "stop watching the limits files", run: () => watcher.close() },
    { name: "stop server and drain calls", run: () => server.close() },
    { name: "close redis", run: () => backend.close() },
    ...(stopTracing ? [{ name: "export the last traces", run: stopTracing }] : []),
  ],
  { timeoutMs: settings.shutdownTimeoutMs + 5_000 },
);
