import { readEtcdTls, type EtcdClientOptions } from "@guardian/etcd";
import {
  ConfigError,
  duration,
  int,
  list,
  oneOf,
  str,
  type ConfigOf,
  type Logger,
} from "@guardian/kit";
import type pg from "pg";
import { createSqlArchive } from "../archive/sql-archive.js";
import type { CompactionOptions } from "../archiver/compactor.js";
import { createSqlEngine } from "./sql/engine.js";
import type { StoreEngine } from "./types.js";
import { createEtcdEngine, type EtcdStoreEngine } from "./etcd/engine.js";

/** The environment variables that pick and configure the store engine. */
export const storeEngineSettings = {
  storeEngine: oneOf("GUARDIAN_STORE_ENGINE", ["sql", "etcd"] as const, {
    default: "sql",
    description: "Store engine: sql (PostgreSQL or embedded PGlite) or etcd (production).",
  }),
  etcdEndpoints: list("ETCD_ENDPOINTS", {
    optional: true,
    description: "etcd client URLs, comma-separated (required for the etcd engine).",
  }),
  etcdUsername: str("ETCD_USERNAME", { optional: true, description: "etcd user name." }),
  etcdPassword: str("ETCD_PASSWORD", {
    optional: true,
    secret: true,
    description: "etcd password (with ETCD_USERNAME).",
  }),
  etcdCaFile: str("ETCD_CA_FILE", {
    optional: true,
    description: "PEM file of the CA that signed the etcd server certificates.",
  }),
  etcdCertFile: str("ETCD_CERT_FILE", {
    optional: true,
    description: "PEM client certificate for etcd (mutual TLS).",
  }),
  etcdKeyFile: str("ETCD_KEY_FILE", {
    optional: true,
    description: "PEM private key of ETCD_CERT_FILE.",
  }),
  etcdCallTimeoutMs: duration("GUARDIAN_ETCD_CALL_TIMEOUT", {
    default: "5s",
    min: 100,
    max: 60_000,
    description:
      "Deadline of each etcd call of the store engine and the cluster service; while etcd has no quorum (or cannot be reached), writes fail with unavailable after this instead of hanging.",
  }),
  etcdCompactionRetention: int("GUARDIAN_ETCD_COMPACTION_RETENTION", {
    default: 3_600,
    min: 0,
    max: 2_592_000,
    description:
      "Seconds of etcd history the store's archiver keeps when it compacts etcd (never above the archived revision); 0: the store does not compact etcd.",
  }),
  retainPerConfig: int("GUARDIAN_STORE_RETAIN_PER_CONFIG", {
    default: 100,
    min: 1,
    max: 100_000,
    description:
      "Revision records the store keeps per config once they are archived (in every mode, guardian dev included).",
  }),
};

/** The typed store engine settings. */
export type StoreEngineSettings = ConfigOf<typeof storeEngineSettings>;

/** The archiver's etcd compaction the settings ask for (`createArchiveJob`'s `compaction`). */
export function archiverCompaction(settings: StoreEngineSettings): CompactionOptions | false {
  const seconds = settings.etcdCompactionRetention;
  return seconds === 0 ? false : { retentionMs: seconds * 1_000 };
}

/**
 * Creates the engine the settings pick. The SQL engine uses `pool` (and `listenUrl` for
 * LISTEN/NOTIFY with real PostgreSQL); the etcd engine uses `pool` as its history archive.
 * Throws a ConfigError when the etcd engine is chosen without endpoints or with half a
 * credential or key pair. `engine.name === "etcd"` narrows the result for `createArchiveJob`.
 */
export async function createEngineFromSettings(
  settings: StoreEngineSettings,
  deps: { pool: pg.Pool; logger: Logger; listenUrl?: string },
): Promise<(StoreEngine & { readonly name: "sql" }) | EtcdStoreEngine> {
  const onError = (err: unknown) => deps.logger.warn({ err }, "store engine error");
  if (settings.storeEngine === "sql") {
    const engine = await createSqlEngine({
      pool: deps.pool,
      listenUrl: deps.listenUrl,
      retainPerConfig: settings.retainPerConfig,
      onError,
    });
    return engine as StoreEngine & { readonly name: "sql" };
  }
  checkEtcdSettings(settings);
  return createEtcdEngine({
    ...(await etcdConnectionFromSettings(settings)),
    retainPerConfig: settings.retainPerConfig,
    archive: createSqlArchive(deps.pool),
    onError,
  });
}

/**
 * The etcd connection the settings describe (endpoints, credentials, TLS), for every etcd
 * client of the process; the TLS files are read now, so a wrong path fails at startup.
 */
export async function etcdConnectionFromSettings(
  s: StoreEngineSettings,
): Promise<EtcdClientOptions> {
  return {
    endpoints: s.etcdEndpoints ?? [],
    callTimeoutMs: s.etcdCallTimeoutMs,
    auth: s.etcdUsername ? { username: s.etcdUsername, password: s.etcdPassword ?? "" } : undefined,
    tls: await readEtcdTls({
      caFile: s.etcdCaFile,
      certFile: s.etcdCertFile,
      keyFile: s.etcdKeyFile,
    }),
  };
}

/** Checks the settings the etcd engine needs together; throws a ConfigError naming each problem. */
export function checkEtcdSettings(s: StoreEngineSettings): void {
  const problems: { variable: string; problem: string }[] = [];
  if (!s.etcdEndpoints || s.etcdEndpoints.length === 0) {
    problems.push({
      variable: "ETCD_ENDPOINTS",
      problem: "required when GUARDIAN_STORE_ENGINE=etcd",
    });
  }
  for (const url of s.etcdEndpoints ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(url)) {
      problems.push({
        variable: "ETCD_ENDPOINTS",
        problem: `expected http(s)://host:port, got ${JSON.stringify(url)}`,
      });
    }
  }
  if (!!s.etcdUsername !== !!s.etcdPassword) {
    problems.push({
      variable: "ETCD_PASSWORD",
      problem: "set ETCD_USERNAME and ETCD_PASSWORD together",
    });
  }
  if (!!s.etcdCertFile !== !!s.etcdKeyFile) {
    problems.push({
      variable: "ETCD_KEY_FILE",
      problem: "set ETCD_CERT_FILE and ETCD_KEY_FILE together",
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
