import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService } from "@guardian/api";
import { hashPassword } from "@guardian/auth-service";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { defineStreamRevocations } from "./testing/stream-revocations.js";
import { seedStreamScenario, type StreamScenario } from "./testing/stream-scenario.js";
import { startGuardian, stopGuardian, type RunningGuardian } from "@guardian/testkit";

// Access is taken away through one process while another holds the streams.
const db = useTestDatabase();
const project = "xproc";
let writer: RunningGuardian | undefined;
let holder: RunningGuardian | undefined;
// Clients of the process where access changes are made (and configs written) ...
let auth: ReturnType<typeof createClient<typeof AuthService>>;
let cluster: ReturnType<typeof createClient<typeof ClusterService>>;
// ... and of the process that holds the streams.
let heldConfig: ReturnType<typeof createClient<typeof ConfigService>>;
let heldCluster: ReturnType<typeof createClient<typeof ClusterService>>;
let s: StreamScenario;

beforeAll(async () => {
  const pool = db.pool();
  pool.on("error", () => {});
  await pool.query(
    `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
     VALUES ('guardian', 'ops', 'ops', $1, ARRAY['admin'])`,
    [await hashPassword("correct horse battery")],
  );
  const env = {
    DATABASE_URL: db.url(),
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_STORE_ENGINE: "etcd",
    ETCD_ENDPOINTS: inject("etcd").endpoints.join(","),
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by both processes",
  };
  writer = await startGuardian(["serve", "store", "auth", "config", "schema", "cluster"], env);
  holder = await startGuardian(["serve", "auth", "config", "cluster"], {
    ...env,
    GUARDIAN_STORE_URL: writer.url,
  });
  const there = createGrpcTransport({ baseUrl: writer.url });
  const here = createGrpcTransport({ baseUrl: holder.url });
  auth = createClient(AuthService, there);
  cluster = createClient(ClusterService, there);
  heldConfig = createClient(ConfigService, here);
  heldCluster = createClient(ClusterService, here);
  s = await seedStreamScenario(there, project, {
    username: "ops",
    password: "correct horse battery",
  });
}, 120_000);

afterAll(async () => {
  if (holder) await stopGuardian(holder);
  if (writer) await stopGuardian(writer);
});

describe("production mode: access taken away in one process ends streams held by another", () => {
  defineStreamRevocations(
    () => ({ project, scenario: s, auth, cluster, heldConfig, heldCluster }),
    "xproc",
  );
});
