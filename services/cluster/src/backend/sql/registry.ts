import { withTransaction, type Queryable } from "@guardian/db";
import { ClusterError } from "../errors.js";
import { diffInstances, withTags } from "../instances.js";
import type { InstanceInfo, InstanceWatchItem, RegisterInput, ServiceInfo } from "../types.js";
import {
  bumpRevision,
  currentRevision,
  deleteLease,
  grantLease,
  type SqlContext,
} from "./leases.js";
import { rereads } from "./rereads.js";

// An instance is a row held by its registration's lease; it is live while the lease is.

interface InstanceRow {
  service: string;
  instance_id: string;
  address: string;
  port: number;
  metadata: Record<string, string>;
  tags: string[];
  lease_id: string;
  registered_at: Date;
  last_heartbeat_at: Date;
  expires_at: Date;
}

const toInstance = (r: InstanceRow): InstanceInfo => ({
  service: r.service,
  instanceId: r.instance_id,
  address: r.address,
  port: r.port,
  metadata: r.metadata,
  tags: r.tags,
  leaseId: BigInt(r.lease_id),
  registerTime: r.registered_at,
  lastHeartbeatTime: r.last_heartbeat_at,
  expireTime: r.expires_at,
});

/** Registers an instance under a new lease, replacing (and deleting) an earlier one. */
export async function registerInstance(ctx: SqlContext, input: RegisterInput) {
  const instance = await withTransaction(ctx.pool, async (db) => {
    await bumpRevision(db);
    const lease = await grantLease(db, input.ttlMs);
    const { rows: old } = await db.query<{ lease_id: string }>(
      "SELECT lease_id FROM cluster_instances WHERE service = $1 AND instance_id = $2 FOR UPDATE",
      [input.service, input.instanceId],
    );
    const { rows } = await db.query<InstanceRow>(
      `INSERT INTO cluster_instances
         (service, instance_id, address, port, metadata, tags, lease_id, registered_at, last_heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
       ON CONFLICT (service, instance_id) DO UPDATE SET
         address = EXCLUDED.address, port = EXCLUDED.port, metadata = EXCLUDED.metadata,
         tags = EXCLUDED.tags, lease_id = EXCLUDED.lease_id,
         registered_at = EXCLUDED.registered_at, last_heartbeat_at = EXCLUDED.last_heartbeat_at
       RETURNING *, $8::timestamptz AS expires_at`,
      [
        input.service,
        input.instanceId,
        input.address,
        input.port,
        JSON.stringify(input.metadata),
        input.tags,
        lease.id.toString(),
        lease.expiresAt,
      ],
    );
    const previous = old[0]?.lease_id;
    if (previous !== undefined && previous !== lease.id.toString()) {
      await deleteLease(db, BigInt(previous));
    }
    return toInstance(rows[0]!);
  });
  ctx.notifier.notify();
  return instance;
}

/** Renews a registration's lease; NotFound when the registration is gone or replaced. */
export async function heartbeat(
  ctx: SqlContext,
  service: string,
  instanceId: string,
  leaseId: bigint,
): Promise<Date> {
  const { rows } = await ctx.pool.query<{ expires_at: Date }>(
    `WITH renewed AS (
       UPDATE cluster_leases l SET expires_at = now() + l.ttl_ms * interval '1 millisecond'
       FROM cluster_instances i
       WHERE i.service = $1 AND i.instance_id = $2 AND i.lease_id = $3
         AND l.id = i.lease_id AND l.expires_at > now()
       RETURNING l.id, l.expires_at)
     UPDATE cluster_instances i SET last_heartbeat_at = now()
     FROM renewed r
     WHERE i.service = $1 AND i.instance_id = $2 AND i.lease_id = r.id
     RETURNING r.expires_at`,
    [service, instanceId, leaseId.toString()],
  );
  if (!rows[0]) {
    throw new ClusterError(
      "not_found",
      `instance "${instanceId}" of service "${service}" is not registered under lease ${leaseId} (it expired or was replaced); register again`,
    );
  }
  return rows[0].expires_at;
}

/** Removes an instance at once by deleting its lease; an unknown instance is fine. */
export async function deregisterInstance(ctx: SqlContext, service: string, instanceId: string) {
  const { rows } = await ctx.pool.query<{ lease_id: string }>(
    "SELECT lease_id FROM cluster_instances WHERE service = $1 AND instance_id = $2",
    [service, instanceId],
  );
  const lease = rows[0]?.lease_id;
  if (lease !== undefined && (await deleteLease(ctx.pool, BigInt(lease)))) ctx.notifier.notify();
}

async function readInstances(db: Queryable, service: string) {
  const revision = await currentRevision(db);
  const { rows } = await db.query<InstanceRow>(
    `SELECT i.*, l.expires_at
     FROM cluster_instances i JOIN cluster_leases l ON l.id = i.lease_id AND l.expires_at > now()
     WHERE i.service = $1 ORDER BY i.instance_id`,
    [service],
  );
  return { all: rows.map(toInstance), revision };
}

/** Lists the live instances of a service that carry every tag, ordered by id. */
export async function listInstances(ctx: SqlContext, service: string, tags: string[]) {
  return withTags(await readInstances(ctx.pool, service), tags);
}

/** Lists up to `limit` services with live instances, by name, after `after`. */
export async function listServices(
  ctx: SqlContext,
  after: string,
  limit: number,
): Promise<ServiceInfo[]> {
  const { rows } = await ctx.pool.query<{ service: string; n: number }>(
    `SELECT i.service, count(*)::int AS n
     FROM cluster_instances i JOIN cluster_leases l ON l.id = i.lease_id AND l.expires_at > now()
     WHERE i.service > $1
     GROUP BY i.service ORDER BY i.service LIMIT $2`,
    [after, limit],
  );
  return rows.map((r) => ({ name: r.service, instanceCount: r.n }));
}

/** Yields a snapshot, then the changes it finds on every wake-up or poll. */
export async function* watchInstances(
  ctx: SqlContext,
  service: string,
  tags: string[],
  signal: AbortSignal,
): AsyncGenerator<InstanceWatchItem> {
  const read = () => readInstances(ctx.pool, service);
  let known: Map<string, InstanceInfo> | undefined;
  for await (const next of rereads(ctx, signal, read, "watch again")) {
    const current = new Map(next.all.map((i) => [i.instanceId, i]));
    if (known) yield* diffInstances(known, current, tags, next.revision);
    else yield { kind: "snapshot", ...withTags(next, tags) };
    known = current;
  }
}
