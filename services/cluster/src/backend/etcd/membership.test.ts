import { Code, ConnectError } from "@connectrpc/connect";
import { Engine, type ListMembersResponse, type ObserveResponse } from "@guardian/api";
import { type EtcdCluster, failureOf, startEtcdCluster, useTestDatabase } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { campaign, count, has, keyOf } from "../../contract/helpers.js";
import { recordStream, waitUntil, type StreamRecorder } from "../../contract/stream-recorder.js";
import { clientOf, useHarness } from "../../testing/harness.js";
import { createEtcdClusterBackend } from "./backend.js";

// A dedicated cluster: these tests kill and remove members.
let cluster: EtcdCluster | undefined;
const db = useTestDatabase();
// Registered before the harness, so that it runs after the harness closed its backend.
afterAll(async () => {
  await cluster?.stop();
});
const h = useHarness(
  () => db.pool(),
  async () => {
    cluster = await startEtcdCluster({ size: 3 });
    return createEtcdClusterBackend({ endpoints: cluster.endpoints, statusTimeoutMs: 1_000 });
  },
);
const client = () => h.client();

const memberIdOf = (view: ListMembersResponse, name: string) =>
  view.members.find((m) => m.name === name)!.id;

describe("etcd cluster members", () => {
  it("lists three healthy members with exactly one leader and its raft term, and moves leadership", async () => {
    const view = await client().listMembers({});
    expect(view.engine).toBe(Engine.ETCD);
    expect(view.members.map((m) => m.name)).toEqual(["m0", "m1", "m2"]);
    expect(view.members.every((m) => m.healthy && m.error === "" && !m.isLearner)).toBe(true);
    const leaders = view.members.filter((m) => m.isLeader);
    expect(leaders).toHaveLength(1);
    expect(view.leaderId).toBe(leaders[0]!.id);
    expect(view.raftTerm).toBeGreaterThan(0n);
    expect(leaders[0]!.raftTerm).toBe(view.raftTerm);
    for (const m of view.members) {
      expect(m.id).toMatch(/^[0-9a-f]+$/);
      expect(m.version).toMatch(/^3\./);
      expect(m.dbSize).toBeGreaterThan(0n);
      expect(m.appliedIndex).toBeGreaterThan(0n);
    }
    expect(view.clusterId).toMatch(/^[0-9a-f]+$/);

    const target = view.members.find((m) => !m.isLeader)!;
    expect((await client().moveLeader({ targetId: target.id })).leaderId).toBe(target.id);
    const after = await waitUntil(async () => {
      const v = await client().listMembers({});
      return v.leaderId === target.id ? v : undefined;
    }, "the new leader to be reported");
    expect(after.members.filter((m) => m.isLeader).map((m) => m.id)).toEqual([target.id]);
    expect((await failureOf(client().moveLeader({ targetId: "abc" }))).code).toBe(Code.NotFound);
  });

  it("adds a learner, refuses to promote it before it catches up, and removes it", async () => {
    // etcd accepts a new member only once every voter has been connected for 5 seconds.
    const added = await waitUntil(
      () =>
        client()
          .addMember({ peerUrls: ["http://127.0.0.1:1"], isLearner: true, name: "m3" })
          .catch((err: unknown) => {
            if (ConnectError.from(err).code === Code.FailedPrecondition) return undefined;
            throw err;
          }),
      "etcd to accept a new member",
    );
    const id = added.member!.id;
    try {
      expect(added.member).toMatchObject({ isLearner: true, healthy: false, name: "" });
      expect(added.members).toHaveLength(4);
      expect(added.initialCluster).toContain("m3=http://127.0.0.1:1");
      expect(added.initialCluster.split(",")).toHaveLength(4);
      // Members answer lists from their own state; wait until the one asked has the change.
      const listed = await waitUntil(
        async () => (await client().listMembers({})).members.find((m) => m.id === id),
        "the learner to be listed",
      );
      expect(listed).toMatchObject({ isLearner: true, healthy: false, error: "not started" });

      const second = await failureOf(
        client().addMember({ peerUrls: ["http://127.0.0.1:2"], isLearner: true, name: "m4" }),
      );
      expect(second.code).toBe(Code.FailedPrecondition);
      const promote = await failureOf(client().promoteMember({ id }));
      expect(promote.code).toBe(Code.FailedPrecondition);
      expect(promote.rawMessage).toMatch(/not caught up/);
    } finally {
      const left = await client().removeMember({ id });
      expect(left.members.map((m) => m.name).sort()).toEqual(["m0", "m1", "m2"]);
    }
  });

  it("keeps at most one Guardian leader while the etcd leader is killed", async () => {
    const election = "failover/leader";
    // A client re-opens an Observe stream that the failover ended; the test does the same.
    const observers: StreamRecorder<ObserveResponse>[] = [];
    const ends: unknown[] = [];
    let stopped = false;
    const observe = (): StreamRecorder<ObserveResponse> => {
      const recorder = recordStream<ObserveResponse>((signal) =>
        client().observe({ election }, { signal }),
      );
      void recorder.ended.then((err) => {
        ends.push(err);
        if (observers.at(-1) === recorder && !stopped) observers.push(observe());
      });
      return recorder;
    };
    observers.push(observe());
    const candidates = [campaign(client(), election, "a", 3), campaign(client(), election, "b", 3)];
    const holding = () => candidates.filter((c) => has(c, "elected") && !has(c, "lost"));
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, holding().length)), 5);
    let killed: Awaited<ReturnType<EtcdCluster["waitForLeader"]>> | undefined;
    try {
      const [first] = await waitUntil(() => {
        const h = holding();
        return h.length > 0 ? h : undefined;
      }, "a leader");
      killed = await cluster!.waitForLeader();
      await killed.kill();
      await cluster!.waitForLeader();
      // The lease survives the failover: the leader keeps renewing it on the new etcd leader.
      const renewals = count(first!, "renewed");
      await waitUntil(
        () => (count(first!, "renewed") >= renewals + 2 ? true : undefined),
        "the leader's lease to be renewed twice after the failover",
      );
      expect(has(first!, "lost")).toBe(false);
      expect(holding()).toEqual([first]);
      expect((await client().getLeader({ election })).leader?.leaderKey).toBe(keyOf(first!));
      expect(most).toBe(1);
      // The observer shows etcd's view, which the candidates learn a moment later: wait until
      // it has caught up with the leader, then check that it showed one leader at a time,
      // only candidates of this election, none of them twice, ending with the elected one.
      const shownKeys = () =>
        observers.flatMap((r) => r.items.flatMap((o) => (o.leader ? [o.leader.leaderKey] : [])));
      await waitUntil(
        () => (shownKeys().at(-1) === keyOf(first!) ? true : undefined),
        "the observer to show the leader",
      ).catch((err: Error) => {
        const seen = JSON.stringify({ shown: shownKeys(), leader: keyOf(first!), ends });
        throw new Error(`${err.message}: ${seen}`);
      });
      const shown = shownKeys();
      const runs = shown.filter((k, i) => k !== shown[i - 1]);
      expect(new Set(runs).size).toBe(runs.length);
      expect(runs.at(-1)).toBe(keyOf(first!));
      expect(runs.every((k) => candidates.some((c) => keyOf(c) === k))).toBe(true);
    } finally {
      clearInterval(sampler);
      candidates.forEach((c) => c.cancel());
      stopped = true;
      observers.forEach((r) => r.cancel());
      // The next tests need all three members, whatever happened here.
      if (killed) {
        await killed.restart();
        await cluster!.waitForLeader();
      }
    }
  });

  it("refuses to remove a member when the rest would lose the quorum, and removes a dead one", async () => {
    let view = await waitUntil(async () => {
      const v = await client().listMembers({});
      return v.members.every((m) => m.healthy) ? v : undefined;
    }, "all three members to be healthy");
    const etcdLeader = await cluster!.waitForLeader();
    const [down, healthy] = cluster!.members.filter((m) => m !== etcdLeader);
    await down!.kill();
    view = await waitUntil(async () => {
      const v = await client().listMembers({});
      return v.members.some((m) => !m.healthy) ? v : undefined;
    }, "the killed member to show as unhealthy");
    const downId = memberIdOf(view, down!.name);
    expect(view.members.find((m) => m.id === downId)!.error).not.toBe("");

    const refused = await failureOf(client().removeMember({ id: memberIdOf(view, healthy!.name) }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toMatch(/1 healthy of 2 voting members, below the quorum of 2/);
    expect((await failureOf(client().removeMember({ id: "abc" }))).code).toBe(Code.NotFound);

    // Removing the dead member is safe: the two healthy ones remain a quorum.
    const left = await client().removeMember({ id: downId });
    expect(left.members.map((m) => m.name).sort()).toEqual([etcdLeader.name, healthy!.name].sort());
  });
});

describe("a single-member etcd cluster", () => {
  it("refuses to remove its last member", async () => {
    const single = await startEtcdCluster({ size: 1 });
    const solo = createEtcdClusterBackend({ endpoints: single.endpoints });
    try {
      const c = clientOf(solo, db.pool());
      const [member] = (await c.listMembers({})).members;
      expect(member).toMatchObject({ healthy: true, isLeader: true });
      const last = await failureOf(c.removeMember({ id: member!.id }));
      expect(last.code).toBe(Code.FailedPrecondition);
      expect(last.rawMessage).toMatch(/last member/);
      expect((await c.listMembers({})).members).toHaveLength(1);
    } finally {
      await solo.close();
      await single.stop();
    }
  });
});
