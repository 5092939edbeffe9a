import {
  duration,
  int,
  logSettings,
  oneOf,
  tracingSettings,
  str,
  url,
  type ConfigOf,
} from "@guardian/kit";

/** What the rate limit service answers when its Redis backend cannot be reached. */
export const failureModes = ["open", "closed"] as const;

/** `open` allows requests while Redis is unreachable; `closed` rejects them. */
export type FailureMode = (typeof failureModes)[number];

/**
 * The environment variables of the `guardian-ratelimit` process, as `readConfig` field
 * builders. Listed by `describeConfig` for docs and deployment checks.
 */
export const ratelimitSettings = {
  host: str("GUARDIAN_HOST", { default: "127.0.0.1", description: "Interface to listen on" }),
  port: int("GUARDIAN_RATELIMIT_PORT", {
    default: 8081,
    min: 0,
    max: 65535,
    description:
      "Port of the rate limit service (Envoy's envoy.service.ratelimit.v3 gRPC API, h2c); 0 picks a free port",
  }),
  redisUrl: url("REDIS_URL", {
    protocols: ["redis:", "rediss:"],
    secret: true,
    description: "Redis that holds the token buckets, shared by every rate limit instance",
  }),
  configFile: str("GUARDIAN_RATELIMIT_CONFIG", {
    default: "/etc/guardian/ratelimit.yaml",
    description:
      "Rate limit YAML file (envoyproxy/ratelimit format: domain and descriptors), or a directory whose every .yaml/.yml file is one domain; reloaded when it changes",
  }),
  configPollMs: duration("GUARDIAN_RATELIMIT_CONFIG_POLL", {
    default: "10s",
    min: 100,
    max: 3_600_000,
    description:
      "How often the limits files are stat'ed for changes, besides watching their directory",
  }),
  failureMode: oneOf("GUARDIAN_RATELIMIT_FAILURE_MODE", failureModes, {
    default: "open",
    description:
      "When Redis cannot be reached: open allows requests, closed answers OVER_LIMIT for every limited descriptor",
  }),
  redisTimeoutMs: duration("GUARDIAN_RATELIMIT_REDIS_TIMEOUT", {
    default: "100ms",
    min: 1,
    max: 10_000,
    description: "How long one Redis round trip may take before the failure mode applies",
  }),
  keyPrefix: str("GUARDIAN_RATELIMIT_KEY_PREFIX", {
    default: "guardian:ratelimit:",
    description: "Prefix of every Redis key the service writes",
  }),
  ...logSettings,
  ...tracingSettings,
  shutdownTimeoutMs: duration("GUARDIAN_SHUTDOWN_TIMEOUT", {
    default: "15s",
    description: "How long a graceful shutdown waits for calls before cutting them",
  }),
} as const;

/** The typed settings read from {@link ratelimitSettings}. */
export type RatelimitSettings = ConfigOf<typeof ratelimitSettings>;
