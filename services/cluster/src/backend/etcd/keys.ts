import type { IKeyValue } from "etcd3";

/**
 * The key layout of the etcd backend under one prefix. Names may contain '/', so a name
 * ends at '#', a character names cannot hold: the keys of election "a" never share a prefix
 * with those of election "a/b".
 */
export interface EtcdKeys {
  /** Prefix of every candidate of an election. */
  election(name: string): string;
  /** The key of one candidate, named by its lease. */
  candidate(election: string, leaseId: bigint): string;
  /** Set (under the candidate's lease) by Resign, so the Campaign stream can say why it ended. */
  resigned(leaseId: bigint): string;
  lock(name: string): string;
  /** Prefix of every instance of a service. */
  service(name: string): string;
  instance(service: string, instanceId: string): string;
  /** Prefix of every instance of every service. */
  readonly services: string;
}

/** Builds the key layout under `prefix` (for example "/guardian/cluster/"). */
export function etcdKeys(prefix: string): EtcdKeys {
  return {
    election: (name) => `${prefix}elections/${name}#`,
    candidate: (election, leaseId) => `${prefix}elections/${election}#${leaseId.toString(16)}`,
    resigned: (leaseId) => `${prefix}resigned/${leaseId.toString(16)}`,
    lock: (name) => `${prefix}locks/${name}`,
    service: (name) => `${prefix}services/${name}#`,
    instance: (service, id) => `${prefix}services/${service}#${id}`,
    services: `${prefix}services/`,
  };
}

/** Returns the lease id encoded at the end of a candidate key, or undefined. */
export function candidateLease(candidatePrefix: string, key: string): bigint | undefined {
  if (!key.startsWith(candidatePrefix)) return undefined;
  const hex = key.slice(candidatePrefix.length);
  return /^[0-9a-f]{1,16}$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
}

/** The end of the range of keys starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** Encodes a key for the raw etcd API. */
export function key(k: string): Buffer {
  return Buffer.from(k);
}

/** Reads a stored JSON value; a foreign or damaged value reads as undefined. */
export function parseValue<T>(kv: IKeyValue | null | undefined): T | undefined {
  if (!kv) return undefined;
  try {
    return JSON.parse(kv.value.toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
