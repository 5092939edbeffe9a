import { fileURLToPath } from "node:url";
import {
  ConfigError,
  bytes,
  duration,
  int,
  logSettings,
  oneOf,
  str,
  tracingSettings,
  url,
  type ConfigOf,
  type Field,
} from "@guardian/kit";
import { autoProcessCount } from "./host/cpu-quota.js";
import type { ServiceDeps } from "./host/services.js";

/** Settings every Guardian process reads, whatever it hosts. */
export const processSettings = {
  host: str("GUARDIAN_HOST", { default: "127.0.0.1", description: "Interface to listen on" }),
  port: int("GUARDIAN_PORT", {
    default: 8080,
    min: 0,
    max: 65535,
    description: "Port for Connect, gRPC and gRPC-Web (HTTP/1.1 and h2c); 0 picks a free port",
  }),
  ...logSettings,
  maxRequestBytes: bytes("GUARDIAN_MAX_REQUEST_BYTES", {
    default: 4 * 1024 * 1024,
    description: "Largest request message accepted; larger ones get resource_exhausted",
  }),
  maxOpenCalls: int("GUARDIAN_MAX_OPEN_CALLS", {
    default: 10_000,
    min: 1,
    max: 10_000_000,
    description:
      "Calls (streams and unary calls) one process serves at once; one more gets resource_exhausted, while /healthz, /readyz and /metrics are still answered. An open stream holds tens of kilobytes of memory",
  }),
  trustedProxyHops: int("GUARDIAN_TRUSTED_PROXY_HOPS", {
    default: 0,
    min: 0,
    max: 10,
    description:
      "Proxies in front of Guardian whose x-forwarded-for entries are trusted (like Envoy's xff_num_trusted_hops): the client address is the entry the outermost one appended; 0 uses the peer address and ignores the header",
  }),
  shutdownTimeoutMs: duration("GUARDIAN_SHUTDOWN_TIMEOUT", {
    default: "15s",
    description: "How long a graceful shutdown waits for calls and streams before cutting them",
  }),
  readinessIntervalMs: duration("GUARDIAN_READINESS_INTERVAL", {
    default: "5s",
    min: 100,
    max: 5 * 60_000,
    description:
      "How often the process checks its dependencies (PostgreSQL, etcd, the store service) in the background; /readyz and gRPC health report the latest outcome",
  }),
  readinessTimeoutMs: duration("GUARDIAN_READINESS_TIMEOUT", {
    default: "2s",
    min: 50,
    max: 60_000,
    description: "How long one dependency check may take before it counts as failed",
  }),
  ...tracingSettings,
} as const;

/**
 * A number of processes: an integer from 1 to `max`, or `auto` for the number of CPUs this
 * process may use (`os.availableParallelism()`, bounded by a container's CPU quota).
 */
function processCount(variable: string, opts: { max: number; description: string }): Field<number> {
  const count = int(variable, { default: 1, min: 1, max: opts.max, description: opts.description });
  return {
    ...count,
    read(raw) {
      if (raw?.trim().toLowerCase() === "auto") return { ok: true, value: autoProcessCount() };
      const read = count.read(raw);
      return read.ok
        ? read
        : {
            ok: false,
            problem: `expected an integer between 1 and ${opts.max}, or auto, got ${JSON.stringify(raw)}`,
          };
    },
  };
}

/** How many server processes share the port (`guardian serve` of the API services). */
export const processCountSettings = {
  processes: processCount("GUARDIAN_PROCESSES", {
    max: 256,
    description:
      "Server processes that `guardian serve` runs on its one port, each with its own caches, connections and store watch, under a supervisor that restarts them and sums their `/metrics`; `auto`: one per CPU the process may use, no more than a container's CPU limit allows (rounded up). Only for auth, config, schema and cluster (and console beside them); `guardian dev`, `guardian serve console` alone, store and worker run one (docs/deploy.md)",
  }),
} as const;

/**
 * Refuses GUARDIAN_PROCESSES above 1 for a command that runs as one process, saying why:
 * a ConfigError naming the setting.
 */
export function requireOneProcess(processes: number, why: string): void {
  if (processes === 1) return;
  throw new ConfigError([
    { variable: "GUARDIAN_PROCESSES", problem: `is ${processes}, but ${why}; set it to 1` },
  ]);
}

/** Limits of the config and schema services. */
export const limitSettings = {
  maxConfigBytes: bytes("GUARDIAN_MAX_CONFIG_BYTES", {
    default: 1024 * 1024,
    description: "Largest config document (JSON) accepted; larger ones get resource_exhausted",
  }),
  maxSchemaBytes: bytes("GUARDIAN_MAX_SCHEMA_BYTES", {
    default: 256 * 1024,
    description: "Largest JSON Schema document accepted",
  }),
  schemaThreads: int("GUARDIAN_SCHEMA_THREADS", {
    default: 2,
    min: 1,
    max: 64,
    description:
      "Worker threads that compile JSON Schemas and validate documents, off the event loop",
  }),
  schemaDeadlineMs: duration("GUARDIAN_SCHEMA_DEADLINE", {
    default: "5s",
    min: 10,
    max: 10 * 60_000,
    description:
      "Longest one schema compile or validation may take (waiting included); longer ones are stopped and get deadline_exceeded",
  }),
  instanceTtlMs: duration("GUARDIAN_INSTANCE_TTL", {
    default: "10m",
    min: 1_000,
    max: 7 * 24 * 60 * 60_000,
    description:
      "How long an instance that reports config statuses (ReportConfigStatus) stays listed after its last report; older ones are left out at once and deleted by a periodic sweep",
  }),
  maxInstancesPerProject: int("GUARDIAN_MAX_INSTANCES_PER_PROJECT", {
    default: 10_000,
    min: 1,
    max: 1_000_000,
    description:
      "Live reporting instances one project may have; a report of one more gets resource_exhausted",
  }),
  readStaleAfterMs: duration("GUARDIAN_READ_STALE_AFTER", {
    default: "10s",
    min: 2_000,
    max: 10 * 60_000,
    description:
      "How long the read cache may go without hearing from the store (its watch's events and progress, which the store withholds while it cannot reach an etcd quorum) before ReadConfig and GetConfig mark their answers stale (guardian-stale header, stale_seconds field)",
  }),
} as const;

/** The audit sweep, in every process that hosts the config service. */
export const auditSettings = {
  auditSweepIntervalMs: duration("GUARDIAN_AUDIT_SWEEP_INTERVAL", {
    default: "1m",
    description:
      "How often audit events left pending (a mutation whose outcome was never confirmed) are looked for and settled",
  }),
  auditPendingTimeoutMs: duration("GUARDIAN_AUDIT_PENDING_TIMEOUT", {
    default: "5m",
    description:
      "How long an audit event may stay pending before the sweep decides it; keep it above the longest mutation call",
  }),
} as const;

/** In-process rate limits of embedded mode (production uses the rate limit service behind Envoy). */
export const embeddedRateLimitSettings = {
  rateLimitsFile: str("GUARDIAN_RATELIMIT_CONFIG", {
    optional: true,
    description:
      "Rate limits file (or directory of them) of descriptors user, api_key, remote_address, reloaded when it changes; unset: the bundled deploy/ratelimit/limits.yaml",
  }),
} as const;

/** The rate limits embedded mode applies when GUARDIAN_RATELIMIT_CONFIG is unset. */
export const bundledRateLimitsFile = fileURLToPath(
  new URL("../../../deploy/ratelimit/limits.yaml", import.meta.url),
);

/** Where services find the store service when it runs in another process. */
export const remoteStoreSettings = {
  storeUrl: url("GUARDIAN_STORE_URL", {
    optional: true,
    protocols: ["http:", "https:"],
    description:
      "Base URL of the store service (gRPC, h2c); required by config and schema unless store runs in the same process",
  }),
} as const;

/** The secret production processes sign page tokens with. */
export const pageTokenSettings = {
  pageTokenSecret: str("GUARDIAN_PAGE_TOKEN_SECRET", {
    secret: true,
    minLength: 32,
    description:
      "Signs the page tokens every list RPC hands out (HMAC-SHA256); at least 32 characters, the same in every process of a deployment",
  }),
} as const;

/** Settings only embedded mode (`guardian dev`) reads, or reads with other defaults. */
export const embeddedOnlySettings = {
  logFormat: oneOf("GUARDIAN_LOG_FORMAT", ["json", "pretty"], {
    default: "pretty",
    description: "json lines, or compact text for a terminal",
  }),
  dataDir: str("GUARDIAN_DATA_DIR", {
    default: ".guardian",
    description:
      "Where embedded mode keeps its database and local secrets (created when missing; owner-only: directories 0700, files 0600, repaired at start; one guardian dev at a time)",
  }),
  pageTokenSecret: str("GUARDIAN_PAGE_TOKEN_SECRET", {
    optional: true,
    secret: true,
    minLength: 32,
    description:
      "Signs page tokens; unset: a secret generated once and kept in the data directory (page-token.secret, 0600)",
  }),
} as const;

/** Settings of embedded mode (`guardian dev`). */
export const embeddedSettings = { ...processSettings, ...embeddedOnlySettings } as const;

/** Where the built web console is. */
export const consoleSettings = {
  consoleDir: str("GUARDIAN_CONSOLE_DIR", {
    optional: true,
    description:
      "The built web console (`index.html` and `assets/`). `guardian dev` builds it there when its sources changed; `guardian serve console` serves it as it is and refuses to start without its `index.html`. Unset: `packages/console/dist` of the installation",
  }),
} as const;

/** The database connection of production processes and of `guardian migrate`. */
export const databaseSettings = {
  databaseUrl: url("DATABASE_URL", {
    protocols: ["postgres:", "postgresql:"],
    secret: true,
    description: "PostgreSQL connection string",
  }),
  databaseConnectTimeoutMs: duration("GUARDIAN_DATABASE_CONNECT_TIMEOUT", {
    default: "5s",
    min: 100,
    max: 5 * 60_000,
    description:
      "How long a call may wait for a PostgreSQL connection (opening one, or a free one in the pool); while the database cannot be reached, calls that need it fail with unavailable after this instead of hanging",
  }),
  databaseStatementTimeoutMs: duration("GUARDIAN_DATABASE_STATEMENT_TIMEOUT", {
    default: "30s",
    max: 60 * 60_000,
    description:
      "Longest one SQL statement of a serving process may run: PostgreSQL cancels it after this (the call gets deadline_exceeded), and a database that stops answering altogether fails the call with unavailable at most 5 s later, its connection discarded. 0 sets no bound. Not applied by backup, restore or embedded mode",
  }),
} as const;

/** How `guardian migrate` waits for a database that is still starting. */
export const migrateSettings = {
  migrateWaitMs: duration("GUARDIAN_MIGRATE_WAIT", {
    default: "60s",
    max: 60 * 60_000,
    description:
      "How long `guardian migrate` keeps retrying, with backoff, while the database cannot be reached yet (connection refused, starting up, host name not resolvable); authentication and SQL errors end it at once. 0 tries once",
  }),
} as const;

/** What the hosted services take from the limit and audit settings, the same in every mode. */
export function serviceTuning(
  s: ConfigOf<typeof limitSettings> & ConfigOf<typeof auditSettings>,
): Pick<
  ServiceDeps,
  | "maxConfigBytes"
  | "maxSchemaBytes"
  | "auditSweep"
  | "schemaThreads"
  | "schemaDeadlineMs"
  | "instances"
  | "readStaleAfterMs"
> {
  return {
    maxConfigBytes: s.maxConfigBytes,
    maxSchemaBytes: s.maxSchemaBytes,
    auditSweep: { intervalMs: s.auditSweepIntervalMs, pendingTimeoutMs: s.auditPendingTimeoutMs },
    schemaThreads: s.schemaThreads,
    schemaDeadlineMs: s.schemaDeadlineMs,
    instances: { ttlMs: s.instanceTtlMs, maxPerProject: s.maxInstancesPerProject },
    readStaleAfterMs: s.readStaleAfterMs,
  };
}
