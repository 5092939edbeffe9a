import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { follow, within } from "@guardian/authz";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev, stop, type Running } from "./testing/dev-process.js";
import {
  changeRevision,
  instanceNumber,
  seedStreamScenario,
  type StreamScenario,
} from "./testing/stream-scenario.js";

// The product promises that an open stream ends within 1 s of losing access; a busy stream
// ends at its next message, an idle one at the next poll (250 ms), so the margin is wide.
const boundMs = 1_000;

const project = "streams";
let dataDir: string;
let dev: Running;
let s: StreamScenario;
let auth: ReturnType<typeof createClient<typeof AuthService>>;
let config: ReturnType<typeof createClient<typeof ConfigService>>;
let cluster: ReturnType<typeof createClient<typeof ClusterService>>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "guardian-streams-"));
  dev = await startDev(dataDir);
  const password = /user "admin", password "([^"]+)"/.exec(dev.output())?.[1];
  if (password === undefined) throw new Error(`no admin password printed:\n${dev.output()}`);
  const transport = createGrpcTransport({ baseUrl: dev.url });
  auth = createClient(AuthService, transport);
  config = createClient(ConfigService, transport);
  cluster = createClient(ClusterService, transport);
  s = await seedStreamScenario(transport, project, { username: "admin", password });
}, 60_000);

afterAll(async () => {
  if (dev) await stop(dev);
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded mode: open streams end when access is taken away", () => {
  it("ends a Watch opened with an API key when the key is revoked, before any later change", async () => {
    const key = await auth.createApiKey(
      { project, name: "watcher", scope: ApiKeyScope.READ },
      s.asAdmin,
    );
    const headers = { "x-api-key": key.secret };
    const w = follow((signal) => config.watch({ project }, { headers, signal }), changeRevision);
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
      expect(w.got).toContain(before);
      expect(w.got).not.toContain(after);
    } finally {
      w.close();
    }
  });

  it("ends a viewer's Watch when the role binding is revoked, before any later change", async () => {
    await auth.createUser({ username: "watch-viewer", password: "viewer-password-1" }, s.asAdmin);
    await auth.grantRole({ project, username: "watch-viewer", role: Role.VIEWER }, s.asAdmin);
    const viewer = await s.login("watch-viewer", "viewer-password-1");
    const w = follow((signal) => config.watch({ project }, { ...viewer, signal }), changeRevision);
    try {
      await within(w.opened, 10_000);
      const before = await s.write(3);
      await within(w.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.revokeRole({ project, username: "watch-viewer" }, s.asAdmin);
      const after = await s.write(4);
      const end = await within(w.ended, 10_000);
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      expect(w.got).toContain(before);
      expect(w.got).not.toContain(after);
    } finally {
      w.close();
    }
  });

  it("ends a disabled user's cluster streams, before any later instance event", async () => {
    await auth.createUser(
      {
        username: "cluster-watcher",
        password: "cluster-password-1",
        globalRoles: [GlobalRole.VIEWER],
      },
      s.asAdmin,
    );
    const watcher = await s.login("cluster-watcher", "cluster-password-1");
    const register = async (n: number) => {
      await cluster.registerInstance(
        { service: "api", instanceId: `i-${n}`, address: "127.0.0.1", port: 8080 },
        s.asAdmin,
      );
      return n;
    };
    const instances = follow(
      (signal) => cluster.watchInstances({ service: "api" }, { ...watcher, signal }),
      instanceNumber,
    );
    const observing = follow(
      (signal) => cluster.observe({ election: "leader" }, { ...watcher, signal }),
      (m) => Number(m.revision),
    );
    try {
      await within(Promise.all([instances.opened, observing.opened]), 10_000);
      const before = await register(1);
      await within(instances.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.disableUser({ username: "cluster-watcher" }, s.asAdmin);
      const after = await register(2);
      const [end, observeEnd] = await within(
        Promise.all([instances.ended, observing.ended]),
        10_000,
      );
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(observeEnd.code, observeEnd.message).toBe(Code.PermissionDenied);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      expect(observeEnd.at - revokedAt).toBeLessThan(boundMs);
      expect(instances.got).not.toContain(after);
    } finally {
      instances.close();
      observing.close();
    }
  });

  it("ends the Campaign of a user whose global role is taken away, and withdraws it", async () => {
    await auth.createUser(
      {
        username: "campaigner",
        password: "campaign-password-1",
        globalRoles: [GlobalRole.EDITOR],
      },
      s.asAdmin,
    );
    const campaigner = await s.login("campaigner", "campaign-password-1");
    const election = "streams/leader";
    const c = follow(
      (signal) => cluster.campaign({ election, value: "me" }, { ...campaigner, signal }),
      (m) => (m.event.case === "elected" ? 1 : 0),
    );
    try {
      await within(c.delivered(1), 10_000);
      expect((await cluster.getLeader({ election }, s.asAdmin)).leader?.value).toBe("me");
      const revokedAt = Date.now();
      await auth.updateUser(
        {
          username: "campaigner",
          globalRoles: [GlobalRole.VIEWER],
          updateMask: { paths: ["global_roles"] },
        },
        s.asAdmin,
      );
      const end = await within(c.ended, 10_000);
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      // The candidacy is withdrawn as on cancel: the election has no leader.
      const leaderless = async () => {
        while ((await cluster.getLeader({ election }, s.asAdmin)).leader) {
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await within(leaderless(), 10_000);
    } finally {
      c.close();
    }
  });
});
