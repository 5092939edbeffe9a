import { setTimeout as sleep } from "node:timers/promises";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { CampaignLostReason, ClusterService, Engine } from "@guardian/api";
import { createStreamShutdownInterceptor } from "@guardian/kit";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { failureOf, useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineClusterContract } from "../../contract/contract.js";
import { campaign, seconds } from "../../contract/helpers.js";
import { recordStream } from "../../contract/stream-recorder.js";
import { useHarness } from "../../testing/harness.js";
import { clusterAuditEvents } from "../../testing/sql/audit-log.js";
import { createSqlClusterBackend } from "./backend.js";

const fast = { pollIntervalMs: 100, sweepIntervalMs: 200 };
const db = useTestDatabase({ poolSize: 10 });
const openSql = async (pool: pg.Pool) => createSqlClusterBackend({ pool, ...fast });

defineClusterContract(
  "sql on PostgreSQL",
  () => db.pool(),
  () => openSql(db.pool()),
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
defineClusterContract(
  "sql on PGlite (embedded)",
  () => embedded!.pool,
  () => openSql(embedded!.pool),
);

describe("sql cluster membership", () => {
  const h = useHarness(() => db.pool(), openSql);

  it("shows this process as the only, healthy leader at term 1 and refuses membership changes", async () => {
    const client = h.client();
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

    const add = await failureOf(
      client.addMember({ peerUrls: ["http://10.0.0.9:2380"], name: "extra" }),
    );
    expect(add.code).toBe(Code.FailedPrecondition);
    expect(add.rawMessage).toMatch(/embedded mode .* exactly one member/);
    for (const call of [
      () => client.removeMember({ id: "8e9e05c52164694d" }),
      () => client.promoteMember({ id: "8e9e05c52164694d" }),
      () => client.moveLeader({ targetId: "8e9e05c52164694d" }),
    ]) {
      expect((await failureOf(call())).code).toBe(Code.FailedPrecondition);
    }
    // Every refused membership change is audited, with who asked and why it failed.
    const rows = await clusterAuditEvents(h.pool());
    expect(rows.map((e) => [e.action, e.result])).toEqual([
      ["guardian.cluster.v1.ClusterService/AddMember", "failed"],
      ["guardian.cluster.v1.ClusterService/RemoveMember", "failed"],
      ["guardian.cluster.v1.ClusterService/PromoteMember", "failed"],
      ["guardian.cluster.v1.ClusterService/MoveLeader", "failed"],
    ]);
    expect(rows[0]).toMatchObject({
      target: "members/extra",
      actor: "",
      error_code: "failed_precondition",
      detail: { peerUrls: ["http://10.0.0.9:2380"] },
    });
  });
});

describe("sql cluster locks", () => {
  const h = useHarness(() => db.pool(), openSql);

  it("keeps no row for a lock no one holds, whether released or expired", async () => {
    const client = h.client();
    const tokens: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `rowless-${i}`;
      const lock = (await client.acquireLock({ name, ttl: seconds(3), owner: "w" })).lock!;
      tokens.push(lock.fencingToken);
      await client.releaseLock({ name, leaseId: lock.leaseId });
    }
    await client.acquireLock({ name: "rowless-expired", ttl: seconds(1), owner: "w" });
    const rows = async () =>
      (
        await h
          .pool()
          .query<{ n: number }>(
            "SELECT count(*)::int AS n FROM cluster_locks WHERE name LIKE 'rowless-%'",
          )
      ).rows[0]!.n;
    expect(await rows()).toBe(1);
    await sleep(1_600);
    expect(await rows()).toBe(0);
    // A name taken again after its row went still gets a larger token than ever before.
    const again = (await client.acquireLock({ name: "rowless-0", ttl: seconds(3), owner: "w" }))
      .lock!;
    expect(again.fencingToken).toBeGreaterThan(tokens.at(-1)!);
  });
});

describe("a draining server", () => {
  const h = useHarness(() => db.pool(), openSql);

  it("ends Campaign with SERVER_SHUTDOWN and Observe with Unavailable, and the next candidate leads at once", async () => {
    const drain = new AbortController();
    // The same interceptor the real server uses to end streams when it starts draining.
    const draining = createClient(
      ClusterService,
      createRouterTransport(h.routes(), {
        router: { interceptors: [createStreamShutdownInterceptor(drain.signal)] },
      }),
    );
    const steady = h.client();
    const election = "drain/leader";
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
  });
});
