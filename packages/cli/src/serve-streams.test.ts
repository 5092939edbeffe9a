import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ApiKeyScope,
  AuthService,
  ClusterService,
  ConfigService,
  GlobalRole,
  Role,
} from "@guardian/api";
import { hashPassword } from "@guardian/auth-service";
import { follow, within } from "@guardian/authz";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startGuardian, stop, type Running } from "./testing/dev-process.js";
import {
  changeRevision,
  instanceNumber,
  seedStreamScenario,
  type StreamScenario,
} from "./testing/stream-scenario.js";

// The product promises that an open stream ends within 1 s of losing access, also when the
// change is made through another process; a busy stream ends at its next message, an idle
// one at its process's next poll of the access epoch (250 ms), so the margin is wide.
const boundMs = 1_000;

const db = useTestDatabase();
const project = "xproc";
let writer: Running | undefined;
let holder: Running | undefined;
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
  if (holder) await stop(holder);
  if (writer) await stop(writer);
});

describe("production mode: access taken away in one process ends streams held by another", () => {
  it("ends a Watch when its API key is revoked elsewhere, before any later change", async () => {
    const key = await auth.createApiKey(
      { project, name: "xw", scope: ApiKeyScope.READ },
      s.asAdmin,
    );
    const headers = { "x-api-key": key.secret };
    const w = follow(
      (signal) => heldConfig.watch({ project }, { headers, signal }),
      changeRevision,
    );
    try {
      await within(w.opened, 10_000);
      const before = await s.write(1);
      await within(w.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.revokeApiKey({ project, id: key.apiKey!.id }, s.asAdmin);
      const after = await s.write(2);
      const end = await within(w.ended, 10_000);
      expect(end.code, end.message).toBe(Code.Unauthenticated);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      expect(w.got).not.toContain(after);
    } finally {
      w.close();
    }
  });

  it("ends a viewer's idle Watch when the role binding is revoked elsewhere", async () => {
    await auth.createUser({ username: "xviewer", password: "viewer-password-1" }, s.asAdmin);
    await auth.grantRole({ project, username: "xviewer", role: Role.VIEWER }, s.asAdmin);
    const viewer = await s.login("xviewer", "viewer-password-1");
    const w = follow(
      (signal) => heldConfig.watch({ project }, { ...viewer, signal }),
      changeRevision,
    );
    try {
      await within(w.opened, 10_000);
      const revokedAt = Date.now();
      await auth.revokeRole({ project, username: "xviewer" }, s.asAdmin);
      const end = await within(w.ended, 10_000);
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
    } finally {
      w.close();
    }
  });

  it("ends a user's cluster streams when the user is disabled elsewhere", async () => {
    await auth.createUser(
      { username: "xcluster", password: "cluster-password-1", globalRoles: [GlobalRole.VIEWER] },
      s.asAdmin,
    );
    const watcher = await s.login("xcluster", "cluster-password-1");
    const instances = follow(
      (signal) => heldCluster.watchInstances({ service: "xapi" }, { ...watcher, signal }),
      instanceNumber,
    );
    const observing = follow(
      (signal) => heldCluster.observe({ election: "xleader" }, { ...watcher, signal }),
      (m) => Number(m.revision),
    );
    const register = (n: number) =>
      cluster.registerInstance(
        { service: "xapi", instanceId: `i-${n}`, address: "127.0.0.1", port: 8080 },
        s.asAdmin,
      );
    try {
      await within(Promise.all([instances.opened, observing.opened]), 10_000);
      await register(1);
      await within(instances.delivered(1), 10_000);
      const revokedAt = Date.now();
      await auth.disableUser({ username: "xcluster" }, s.asAdmin);
      await register(2);
      const ends = await within(Promise.all([instances.ended, observing.ended]), 10_000);
      for (const end of ends) {
        expect(end.code, end.message).toBe(Code.PermissionDenied);
        expect(end.at - revokedAt).toBeLessThan(boundMs);
      }
      expect(instances.got).not.toContain(2);
    } finally {
      instances.close();
      observing.close();
    }
  });
});
