import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { InstanceEventType, type WatchInstancesResponse } from "@guardian/api";
import { expect, it } from "vitest";
import type { ContractContext } from "./contract.js";
import { seconds } from "./helpers.js";
import { recordStream } from "./stream-recorder.js";
import { failureOf } from "@guardian/testkit";

/** The registry: register, heartbeat, list by tag, watch, deregister, expiry. */
export function registryContract(ctx: ContractContext): void {
  const client = () => ctx.client();

  it("registers, lists by tag, heartbeats, watches and deregisters instances", async () => {
    const service = ctx.unique("svc");
    const all = recordStream<WatchInstancesResponse>((signal) =>
      client().watchInstances({ service }, { signal }),
    );
    const grpc = recordStream<WatchInstancesResponse>((signal) =>
      client().watchInstances({ service, tags: ["grpc"] }, { signal }),
    );
    expect((await all.next()).kind).toMatchObject({ case: "snapshot", value: { instances: [] } });
    await grpc.next();

    const register = (id: string, tags: string[], port = 8080) =>
      client().registerInstance({
        service,
        instanceId: id,
        address: `${id}.internal`,
        port,
        metadata: { zone: "eu-1" },
        tags,
        ttl: seconds(5),
      });
    const i1 = (await register("i-1", ["primary", "grpc"])).instance!;
    const i2 = (await register("i-2", ["grpc"])).instance!;
    await register("i-3", []);

    const ids = async (tags: string[]) =>
      (await client().listInstances({ service, tags })).instances.map((i) => i.instanceId);
    expect(await ids([])).toEqual(["i-1", "i-2", "i-3"]);
    expect(await ids(["grpc"])).toEqual(["i-1", "i-2"]);
    expect(await ids(["grpc", "primary"])).toEqual(["i-1"]);
    expect(await ids(["missing"])).toEqual([]);
    const listed = (await client().listInstances({ service, tags: ["primary"] })).instances[0]!;
    expect(listed).toMatchObject({
      address: "i-1.internal",
      port: 8080,
      metadata: { zone: "eu-1" },
    });

    const beat = await client().heartbeat({ service, instanceId: "i-1", leaseId: i1.leaseId });
    expect(timestampDate(beat.expireTime!).getTime()).toBeGreaterThan(Date.now());
    const wrongLease = await failureOf(
      client().heartbeat({ service, instanceId: "i-1", leaseId: i2.leaseId }),
    );
    expect(wrongLease.code).toBe(Code.NotFound);

    const event = (r: WatchInstancesResponse) =>
      r.kind.case === "event"
        ? [InstanceEventType[r.kind.value.type], r.kind.value.instance?.instanceId]
        : [];
    for (const id of ["i-1", "i-2", "i-3"]) {
      expect(event(await all.next((r) => r.kind.case === "event"))).toEqual(["UP", id]);
    }
    expect(event(await grpc.next((r) => r.kind.case === "event"))).toEqual(["UP", "i-1"]);
    expect(event(await grpc.next((r) => r.kind.case === "event"))).toEqual(["UP", "i-2"]);

    // Re-registering replaces the registration and its lease.
    const i2b = (await register("i-2", ["grpc"], 9090)).instance!;
    expect(i2b.leaseId).not.toBe(i2.leaseId);
    expect(event(await all.next((r) => r.kind.case === "event"))).toEqual(["UPDATED", "i-2"]);
    const stale = await failureOf(
      client().heartbeat({ service, instanceId: "i-2", leaseId: i2.leaseId }),
    );
    expect(stale.code).toBe(Code.NotFound);

    await client().deregisterInstance({ service, instanceId: "i-3" });
    await client().deregisterInstance({ service, instanceId: "i-3" });
    expect(event(await all.next((r) => r.kind.case === "event"))).toEqual(["DOWN", "i-3"]);
    expect(await ids([])).toEqual(["i-1", "i-2"]);
    // The tagged watcher never saw i-3 and saw i-2 change port.
    expect(event(await grpc.next((r) => r.kind.case === "event"))).toEqual(["UPDATED", "i-2"]);

    const other = `${service}-other`;
    await client().registerInstance({ service: other, instanceId: "o-1", address: "o", port: 1 });
    const page1 = await client().listServices({ pageSize: 1 });
    const page2 = await client().listServices({ pageSize: 1, pageToken: page1.nextPageToken });
    const mine = [...page1.services, ...page2.services].filter((s) => s.name.startsWith(service));
    expect(mine).toEqual([
      expect.objectContaining({ name: service, instanceCount: 2 }),
      expect.objectContaining({ name: other, instanceCount: 1 }),
    ]);
    await client().deregisterInstance({ service: other, instanceId: "o-1" });
    all.cancel();
    grpc.cancel();
  });

  it("drops an instance that stops heartbeating once its TTL passes", async () => {
    const service = ctx.unique("expiry");
    const watch = recordStream<WatchInstancesResponse>((signal) =>
      client().watchInstances({ service }, { signal }),
    );
    await watch.next();
    const reg = (id: string) =>
      client().registerInstance({
        service,
        instanceId: id,
        address: id,
        port: 80,
        ttl: seconds(1),
      });
    const silent = (await reg("silent")).instance!;
    const alive = (await reg("alive")).instance!;
    const beating = setInterval(() => {
      client()
        .heartbeat({ service, instanceId: "alive", leaseId: alive.leaseId })
        .catch(() => {});
    }, 250);
    try {
      const down = await watch.next(
        (r) => r.kind.case === "event" && r.kind.value.type === InstanceEventType.DOWN,
        8_000,
      );
      expect(down.kind.value).toMatchObject({ instance: { instanceId: "silent" } });
      const ids = (await client().listInstances({ service })).instances.map((i) => i.instanceId);
      expect(ids).toEqual(["alive"]);
      const gone = await failureOf(
        client().heartbeat({ service, instanceId: "silent", leaseId: silent.leaseId }),
      );
      expect(gone.code).toBe(Code.NotFound);
    } finally {
      clearInterval(beating);
      watch.cancel();
    }
  });
}
