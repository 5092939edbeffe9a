import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster } from "./etcd.js";
import type { EtcdCluster } from "./etcd.js";
import type { EtcdMember } from "./etcd-member.js";
import { waitFor } from "./wait.js";

// A dedicated cluster: killing members of the shared one would disturb other test files.
let cluster: EtcdCluster;
const clients: Etcd3[] = [];

function clientOf(...members: EtcdMember[]): Etcd3 {
  const client = new Etcd3({
    hosts: members.map((member) => member.clientUrl),
    dialTimeout: 2_000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 5_000 }),
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

describe("startEtcdCluster", () => {
  it("starts three members that agree on one leader and share an empty keyspace", async () => {
    expect(cluster.members.map((member) => member.name)).toEqual(["m0", "m1", "m2"]);
    expect(new Set(cluster.endpoints).size).toBe(3);
    const leader = await cluster.leader();
    expect(await cluster.waitForLeader()).toBe(leader);
    expect(
      await clientOf(...cluster.members)
        .getAll()
        .keys(),
    ).toEqual([]);
  });

  it("survives the leader's crash: a new leader serves old and new keys and the restarted member catches up", async () => {
    await clientOf(...cluster.members)
      .put("failover/before")
      .value("1");

    const oldLeader = await cluster.waitForLeader();
    await oldLeader.kill();
    expect(oldLeader.stopped).toBe(true);

    const newLeader = await cluster.waitForLeader();
    expect(newLeader.name).not.toBe(oldLeader.name);
    expect(newLeader.stopped).toBe(false);

    const survivors = cluster.members.filter((member) => !member.stopped);
    expect(survivors).toHaveLength(2);
    for (const survivor of survivors) {
      // Linearizable (the default): the read goes through the new leader's quorum.
      expect(await clientOf(survivor).get("failover/before").string()).toBe("1");
    }
    await clientOf(newLeader).put("failover/after").value("2");
    for (const survivor of survivors) {
      expect(await clientOf(survivor).get("failover/after").string()).toBe("2");
    }

    await oldLeader.restart();
    expect(oldLeader.stopped).toBe(false);
    const restarted = clientOf(oldLeader);
    // Serializable reads come from the member's own store, so they show its replication.
    const caughtUp = await waitFor(
      async () => (await restarted.get("failover/after").serializable(true).string()) ?? undefined,
      { what: `${oldLeader.name} to replicate failover/after`, timeoutMs: 10_000 },
    );
    expect(caughtUp).toBe("2");
    expect(await restarted.get("failover/before").serializable(true).string()).toBe("1");
  });
});
