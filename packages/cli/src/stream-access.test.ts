import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService, GlobalRole } from "@guardian/api";
import { follow, within } from "@guardian/authz";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineStreamRevocations } from "./testing/stream-revocations.js";
import { seedStreamScenario, type StreamScenario } from "./testing/stream-scenario.js";
import { startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

// The product promises that an open stream ends within 1 s of losing access; a busy stream
// ends at its next message, an idle one at the next poll (250 ms), so the margin is wide.
const boundMs = 1_000;

const project = "streams";
let dataDir: string;
let dev: RunningGuardian;
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
  if (dev) await stopGuardian(dev);
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded mode: open streams end when access is taken away", () => {
  defineStreamRevocations(
    () => ({ project, scenario: s, auth, cluster, heldConfig: config, heldCluster: cluster }),
    "embedded",
  );

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
