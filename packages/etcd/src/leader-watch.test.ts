import { startEtcdCluster, type EtcdCluster } from "@guardian/testkit";
import type { IDuplexStream, IWatchRequest, IWatchResponse } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEtcdClient } from "./client.js";
import { watchRequiringLeader } from "./leader-watch.js";

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
}, 60_000);
afterAll(() => cluster?.stop());

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** Resolves with how the stream ended (its error's message, or "end"), or never. */
function ending(stream: WatchStream): Promise<string> {
  return new Promise((resolve) => {
    stream.on("error", (err: Error) => resolve(err.message));
    stream.on("end", () => resolve("end"));
  });
}

/** Starts a watch of `/leader-watch/` on the stream and resolves once etcd created it. */
function created(stream: WatchStream): Promise<void> {
  return new Promise((resolve) => {
    stream.on("data", (res: IWatchResponse) => {
      if (res.created) resolve();
    });
    stream.write({
      create_request: {
        key: Buffer.from("/leader-watch/"),
        range_end: Buffer.from("/leader-watch0"),
      },
    });
  });
}

describe("watchRequiringLeader", () => {
  it("is ended by its member once the member lost its leader; a plain watch stays open", async () => {
    const [pinned, ...others] = cluster.members;
    // Both streams on the one member that will be left alone.
    const client = createEtcdClient({ endpoints: [pinned!.clientUrl] });
    try {
      const leader = await watchRequiringLeader(client);
      const plain = await client.watchClient.watch();
      await Promise.all([created(leader), created(plain)]);
      const leaderEnded = ending(leader);
      const plainEnded = ending(plain);
      for (const m of others) await m.kill();
      const began = performance.now();
      expect(await leaderEnded).toMatch(/no leader/i);
      expect(performance.now() - began).toBeLessThan(10_000);
      // The same member keeps a stream without the requirement open, silent.
      const still = await Promise.race([
        plainEnded,
        new Promise((r) => setTimeout(r, 500, "open")),
      ]);
      expect(still).toBe("open");
      plain.cancel();
    } finally {
      client.close();
      for (const m of others) await m.restart();
    }
  }, 60_000);

  it("makes the watches of the client's own watch manager require a leader too", async () => {
    await cluster.waitForLeader();
    const [pinned, ...others] = cluster.members;
    const client = createEtcdClient({ endpoints: [pinned!.clientUrl] });
    try {
      const watcher = await client.watch().prefix("/leader-watch/").create();
      const disconnected = new Promise<string>((resolve) =>
        watcher.once("disconnected", (err: Error) => resolve(err.message)),
      );
      for (const m of others) await m.kill();
      expect(await disconnected).toMatch(/no leader/i);
      await watcher.cancel().catch(() => {});
    } finally {
      client.close();
      for (const m of others) await m.restart();
    }
  }, 60_000);
});
