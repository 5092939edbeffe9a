import type { createEtcdClient } from "@guardian/etcd";
import type { BodyWriter } from "./file.js";
import { BackupError, etcdLine } from "./format.js";

/** An etcd client as `@guardian/etcd` opens it. */
export type EtcdClient = ReturnType<typeof createEtcdClient>;

/** The store's etcd namespace (the engine's default, which production runs). */
export const storeNamespace = "/guardian/";

/**
 * The parts of a store namespace a backup holds: current values, revision records, idempotency
 * records and the retention/archiver progress. The archiver's election and the cluster
 * service's keys (`<ns>cluster/`) belong to running processes and are left out.
 */
export function storeParts(ns: string): string[] {
  return ["kv/", "rev/", "idem/", "meta/"].map((part) => `${ns}${part}`);
}

/** Returns the end of the prefix range of `prefix` (it ends in "/", so one byte up suffices). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, "utf8");
  end[end.length - 1] = end[end.length - 1]! + 1;
  return end;
}

const page = 500;

/**
 * Writes every key of the store namespace as of ONE etcd revision, which it returns: the
 * first read fixes the revision and every later page reads at it. Also returns the projects
 * that have live configs.
 */
export async function exportEtcd(
  client: EtcdClient,
  ns: string,
  out: BodyWriter,
): Promise<{ revision: bigint; keys: number; projects: Set<string> }> {
  const head = await client.kv.range({ key: Buffer.from(ns), count_only: true });
  const revision = BigInt(head.header.revision);
  let keys = 0;
  const projects = new Set<string>();
  const kvRoot = `${ns}kv/`;
  for (const prefix of storeParts(ns)) {
    let from = Buffer.from(prefix, "utf8");
    for (;;) {
      let res;
      try {
        res = await client.kv.range({
          key: from,
          range_end: prefixEnd(prefix),
          revision: revision.toString(),
          limit: page,
        });
      } catch (err) {
        if (err instanceof Error && err.message.includes("compacted")) {
          throw new BackupError(
            `etcd compacted revision ${revision} while the backup read it; run the backup again`,
          );
        }
        throw err;
      }
      for (const kv of res.kvs) {
        const name = kv.key.toString("utf8");
        if (name.startsWith(kvRoot))
          projects.add(name.slice(kvRoot.length, name.indexOf("/", kvRoot.length)));
        await out.write(
          etcdLine({
            key: kv.key,
            value: kv.value,
            modRevision: BigInt(kv.mod_revision),
            leased: kv.lease !== "0" && kv.lease !== "",
          }),
        );
      }
      keys += res.kvs.length;
      if (!res.more || res.kvs.length === 0) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }
  return { revision, keys, projects };
}
