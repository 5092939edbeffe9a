import type { Etcd3, IKeyValue, IRequestOp, IResponseOp } from "etcd3";
import { key, prefixEnd, type EtcdKeys } from "./keys.js";

/** What every part of the etcd backend shares. */
export interface EtcdContext {
  client: Etcd3;
  keys: EtcdKeys;
  /** Aborted when the backend closes. */
  shutdown: AbortSignal;
  /** Bounded buffer of each watching stream. */
  watchBufferSize: number;
  /** How long etcd may take to accept a watch (the etcd call timeout). */
  watchCreateMs: number;
}

/** A range op over every key starting with `prefix`, oldest creation first. */
export function rangePrefixOp(prefix: string, limit = 0): IRequestOp {
  return {
    request_range: {
      key: key(prefix),
      range_end: prefixEnd(prefix),
      sort_order: "Ascend",
      sort_target: "Create",
      limit,
    },
  };
}

/** A range op over one key. */
export function rangeKeyOp(k: string): IRequestOp {
  return { request_range: { key: key(k) } };
}

/** Runs read ops in one transaction, so they all see the same revision. */
export async function readTogether(
  ctx: EtcdContext,
  ops: IRequestOp[],
): Promise<{ results: IKeyValue[][]; revision: bigint }> {
  const res = await ctx.client.kv.txn({ compare: [], success: ops });
  return {
    results: res.responses.map((r: IResponseOp) => r.response_range?.kvs ?? []),
    revision: BigInt(res.header.revision),
  };
}

/** Reads every key under `prefix` in key order, with the revision of the read. */
export async function readPrefix(
  ctx: EtcdContext,
  prefix: string,
): Promise<{ kvs: IKeyValue[]; revision: bigint }> {
  const res = await ctx.client.kv.range({ key: key(prefix), range_end: prefixEnd(prefix) });
  return { kvs: res.kvs, revision: BigInt(res.header.revision) };
}
