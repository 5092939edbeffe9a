/**
 * `guardian-ratelimit`: the rate limit service Envoy's ratelimit filter calls. Reads its
 * settings from the environment (see `ratelimitSettings`), the limits from
 * GUARDIAN_RATELIMIT_CONFIG, and keeps token buckets in Redis at REDIS_URL.
 *
 * Run: `tsx services/ratelimit/src/main.ts`.
 */
import { createLogger, exitOnConfigError, onShutdown, readConfig } from "@guardian/kit";
import { createRedisBackend } from "./backend/redis.js";
import { LimitsConfigError, loadLimits } from "./limits/config.js";
import { createRatelimitServer } from "./server.js";
import { ratelimitSettings } from "./settings.js";

const settings = exitOnConfigError(() => readConfig(process.env, ratelimitSettings));
const logger = createLogger({
  level: settings.logLevel,
  pretty: settings.logFormat === "pretty",
  name: "guardian-ratelimit",
});

let limits;
try {
  limits = await loadLimits(settings.configFile);
} catch (err) {
  if (err instanceof LimitsConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
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

const { server } = createRatelimitServer({
  limits,
  backend,
  failureMode: settings.failureMode,
  logger,
  host: settings.host,
  port: settings.port,
  shutdownTimeoutMs: settings.shutdownTimeoutMs,
});
const address = await server.listen();
logger.info(
  { url: address.url, domain: limits.domain, failureMode: settings.failureMode },
  "rate limit service listening",
);
onShutdown(
  logger,
  [
    { name: "stop server and drain calls", run: () => server.close() },
    { name: "close redis", run: () => backend.close() },
  ],
  { timeoutMs: settings.shutdownTimeoutMs + 5_000 },
);
