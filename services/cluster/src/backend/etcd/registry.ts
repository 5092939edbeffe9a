import type { IKeyValue } from "etcd3";
import { ClusterError } from "../errors.js";
import { classifyChange, withTags } from "../instances.js";
import type { InstanceInfo, InstanceWatchItem, RegisterInput, ServiceInfo } from "../types.js";
import { readPrefix, type EtcdContext } from "./context.js";
import { key, parseValue, prefixEnd } from "./keys.js";
import { grantLease, keepAliveOnce, revokeLease } from "./leases.js";
import { watchPrefix } from "./watch.js";

// An instance is one key under its service's prefix, held by the registration's lease. The
// value carries the registration and the times of the last heartbeat and expiry.

type InstanceValue = Pick<InstanceInfo, "address" | "port" | "metadata" | "tags"> & {
  registerTime: string;
  lastHeartbeatTime: string;
  expireTime: string;
};

function instanceOf(service: string, prefix: string, kv: IKeyValue): InstanceInfo | undefined {
  const v = parseValue<InstanceValue>(kv);
  if (!v) return undefined;
  return {
    service,
    instanceId: kv.key.toString().slice(prefix.length),
    address: v.address,
    port: v.port,
    metadata: v.metadata,
    tags: v.tags,
    leaseId: BigInt(kv.lease),
    registerTime: new Date(v.registerTime),
    lastHeartbeatTime: new Date(v.lastHeartbeatTime),
    expireTime: new Date(v.expireTime),
  };
}

function encode(i: InstanceInfo): Buffer {
  const v: InstanceValue = {
    address: i.address,
    port: i.port,
    metadata: i.metadata,
    tags: i.tags,
    registerTime: i.registerTime.toISOString(),
    lastHeartbeatTime: i.lastHeartbeatTime.toISOString(),
    expireTime: i.expireTime.toISOString(),
  };
  return Buffer.from(JSON.stringify(v));
}

/** Registers an instance under a new lease, replacing (and revoking) an earlier one. */
export async function registerInstance(
  ctx: EtcdContext,
  input: RegisterInput,
): Promise<InstanceInfo> {
  const { client } = ctx;
  const k = key(ctx.keys.instance(input.service, input.instanceId));
  const lease = await grantLease(client, input.ttlMs);
  const now = new Date();
  const { ttlMs: _ttl, ...fields } = input;
  const instance: InstanceInfo = {
    ...fields,
    leaseId: lease.id,
    registerTime: now,
    lastHeartbeatTime: now,
    expireTime: lease.expireTime,
  };
  const res = await client.kv
    .put({ key: k, value: encode(instance), lease: lease.id.toString(), prev_kv: true })
    .catch(async (err: unknown) => {
      await revokeLease(client, lease.id).catch(() => {});
      throw err;
    });
  const old = res.prev_kv?.lease;
  if (old && old !== "0") await revokeLease(client, BigInt(old)).catch(() => {});
  return instance;
}

/** Renews a registration's lease; NotFound when the registration is gone or replaced. */
export async function heartbeat(
  ctx: EtcdContext,
  service: string,
  instanceId: string,
  leaseId: bigint,
): Promise<Date> {
  const gone = new ClusterError(
    "not_found",
    `instance "${instanceId}" of service "${service}" is not registered under lease ${leaseId} (it expired or was replaced); register again`,
  );
  const k = key(ctx.keys.instance(service, instanceId));
  const renewed = await keepAliveOnce(ctx.client, leaseId);
  if (renewed === "gone") throw gone;
  const res = await ctx.client.kv.range({ key: k });
  const kv = res.kvs[0];
  const current = kv && instanceOf(service, ctx.keys.service(service), kv);
  if (!current || current.leaseId !== leaseId) throw gone;
  const updated = { ...current, lastHeartbeatTime: new Date(), expireTime: renewed };
  const put = await ctx.client.kv.txn({
    compare: [{ key: k, target: "Lease", result: "Equal", lease: leaseId.toString() }],
    success: [{ request_put: { key: k, value: encode(updated), ignore_lease: true } }],
  });
  if (!put.succeeded) throw gone;
  return renewed;
}

/** Removes an instance at once and revokes its lease; an unknown instance is fine. */
export async function deregisterInstance(ctx: EtcdContext, service: string, instanceId: string) {
  const k = key(ctx.keys.instance(service, instanceId));
  const res = await ctx.client.kv.deleteRange({ key: k, prev_kv: true });
  const lease = res.prev_kvs[0]?.lease;
  if (lease && lease !== "0") await revokeLease(ctx.client, BigInt(lease)).catch(() => {});
}

async function readInstances(ctx: EtcdContext, service: string) {
  const prefix = ctx.keys.service(service);
  const { kvs, revision } = await readPrefix(ctx, prefix);
  const all = kvs.flatMap((kv) => instanceOf(service, prefix, kv) ?? []);
  return { all, revision };
}

/** Lists the live instances of a service that carry every tag, ordered by id. */
export async function listInstances(ctx: EtcdContext, service: string, tags: string[]) {
  return withTags(await readInstances(ctx, service), tags);
}

/** Lists up to `limit` services with live instances, by name, after `after`. */
export async function listServices(
  ctx: EtcdContext,
  after: string,
  limit: number,
): Promise<ServiceInfo[]> {
  const root = ctx.keys.services;
  // '$' sorts right after '#', the end of a service name, and before every name character.
  let start = key(after === "" ? root : `${root}${after}$`);
  const services: ServiceInfo[] = [];
  for (;;) {
    const res = await ctx.client.kv.range({
      key: start,
      range_end: prefixEnd(root),
      keys_only: true,
      limit: 1000,
    });
    for (const kv of res.kvs) {
      const rest = kv.key.toString().slice(root.length);
      const name = rest.slice(0, rest.lastIndexOf("#"));
      const last = services[services.length - 1];
      if (last?.name === name) {
        last.instanceCount++;
      } else {
        if (services.length === limit) return services;
        services.push({ name, instanceCount: 1 });
      }
    }
    const lastKv = res.kvs[res.kvs.length - 1];
    if (!res.more || !lastKv) return services;
    start = Buffer.concat([lastKv.key, Buffer.from([0])]);
  }
}

/** Yields a snapshot of the matching instances, then one event per change. */
export async function* watchInstances(
  ctx: EtcdContext,
  service: string,
  tags: string[],
  signal: AbortSignal,
): AsyncGenerator<InstanceWatchItem> {
  const prefix = ctx.keys.service(service);
  const first = await readInstances(ctx, service);
  const { revision } = first;
  const current = new Map(first.all.map((i) => [i.instanceId, i]));
  yield { kind: "snapshot", ...withTags(first, tags) };
  const stop = AbortSignal.any([signal, ctx.shutdown]);
  for await (const batch of watchPrefix(ctx.client, prefix, revision + 1n, stop, {
    bufferSize: ctx.watchBufferSize,
    createTimeoutMs: ctx.watchCreateMs,
  })) {
    for (const e of batch.events) {
      const id = e.kv.key.toString().slice(prefix.length);
      const before = current.get(id);
      const after = e.type === "put" ? instanceOf(service, prefix, e.kv) : undefined;
      if (after) current.set(id, after);
      else current.delete(id);
      const change = classifyChange(before, after, tags);
      if (change) yield { kind: "event", ...change, revision: BigInt(e.kv.mod_revision) };
    }
  }
  if (ctx.shutdown.aborted && !signal.aborted) {
    throw new ClusterError("unavailable", "the server is shutting down; watch again");
  }
}
