import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { CampaignLostReason, ClusterService, Engine } from "@guardian/api";
import { createStreamShutdownInterceptor } from "@guardian/kit";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterAuditEvent } from "../../audit.js";
import { createClusterRoutes } from "../../routes.js";
import { defineClusterContract } from "../../contract/contract.js";
import { campaign, connectError, testLimits } from "../../contract/helpers.js";
import { recordStream } from "../../contract/stream-recorder.js";
import { createSqlClusterBackend } from "./backend.js";

const fast = { pollIntervalMs: 100, sweepIntervalMs: 200 };
const db = useTestDatabase({ poolSize: 10 });

defineClusterContract("sql on PostgreSQL", async () =>
  createSqlClusterBackend({ pool: db.pool(), ...fast }),
);

let embedded: EmbeddedDatabase | undefined;
const dataDir = join(tmpdir(), `guardian-cluster-pglite-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  embedded = await openEmbeddedDatabase({ dataDir });
}, 60_000);

afterAll(async () => {
  await embedded?.close();
  await rm(dataDir, { recursive: true, force: true });
});

// One shared connection, as in embedded mode: nothing may hold it while waiting.
defineClusterContract("sql on PGlite (embedded)", async () =>
  createSqlClusterBackend({ pool: embedded!.pool, ...fast }),
);

describe("sql cluster membership", () => {
  it("shows this process as the only, healthy leader at term 1 and refuses membership changes", async () => {
    const backend = createSqlClusterBackend({ pool: db.pool(), ...fast });
    const audited: ClusterAuditEvent[] = [];
    try {
      const client = createClient(
        ClusterService,
        createRouterTransport(createClusterRoutes({ backend, audit: (e) => void audited.push(e) })),
      );
      const view = await client.listMembers({});
      expect(view).toMatchObject({ engine: Engine.SQL, leaderId: "local", raftTerm: 1n });
      expect(view.members).toHaveLength(1);
      expect(view.members[0]).toMatchObject({
        id: "local",
        healthy: true,
        isLeader: true,
        raftTerm: 1n,
        error: "",
      });
      expect(view.members[0]!.version).not.toBe("");

      const add = await connectError(
        client.addMember({ peerUrls: ["http://10.0.0.9:2380"], name: "extra" }),
      );
      expect(add.code).toBe(Code.FailedPrecondition);
      expect(add.rawMessage).toMatch(/embedded mode .* exactly one member/);
      for (const call of [
        client.removeMember({ id: "8e9e05c52164694d" }),
        client.promoteMember({ id: "8e9e05c52164694d" }),
        client.moveLeader({ targetId: "8e9e05c52164694d" }),
      ]) {
        expect((await connectError(call)).code).toBe(Code.FailedPrecondition);
      }
      // Every refused membership change is audited, with who asked and why it failed.
      expect(audited.map((e) => [e.action, e.result])).toEqual([
        ["cluster.AddMember", "failed"],
        ["cluster.RemoveMember", "failed"],
        ["cluster.PromoteMember", "failed"],
        ["cluster.MoveLeader", "failed"],
      ]);
      expect(audited[0]).toMatchObject({
        target: "members/extra",
        actor: "anonymous",
        detail: { code: Code.FailedPrecondition, peerUrls: ["http://10.0.0.9:2380"] },
      });
    } finally {
      await backend.close();
    }
  });
});

describe("a draining server", () => {
  it("ends Campaign with SERVER_SHUTDOWN and Observe with Unavailable, and the next candidate leads at once", async () => {
    const backend = createSqlClusterBackend({ pool: db.pool(), ...fast });
    const drain = new AbortController();
    const routes = createClusterRoutes({ backend, limits: testLimits });
    // The same interceptor the real server uses to end streams when it starts draining.
    const draining = createClient(
      ClusterService,
      createRouterTransport(routes, {
        router: { interceptors: [createStreamShutdownInterceptor(drain.signal)] },
      }),
    );
    const steady = createClient(ClusterService, createRouterTransport(routes));
    const election = "drain/leader";
    try {
      const leaving = campaign(draining, election, "leaving", 30);
      await leaving.next((r) => r.event.case === "elected");
      const observer = recordStream((signal) => draining.observe({ election }, { signal }));
      await observer.next();
      const next = campaign(steady, election, "next", 30);
      await next.next((r) => r.event.case === "started");

      drain.abort(new ConnectError("server is shutting down", Code.Unavailable));
      expect(await leaving.ended).toBeUndefined();
      expect(leaving.items.at(-1)?.event).toMatchObject({
        case: "lost",
        value: { reason: CampaignLostReason.SERVER_SHUTDOWN },
      });
      expect(ConnectError.from(await observer.ended).code).toBe(Code.Unavailable);
      // The lease was revoked on the way out: no 30-second wait for the next leader.
      await next.next((r) => r.event.case === "elected", 3_000);
      next.cancel();
      await next.ended;
    } finally {
      await backend.close();
    }
  });
});
