/**
 * The etcd key layout of one store namespace (`ns`, for example "/guardian/"):
 *
 * - `<ns>kv/<project>/<key>`: the current value of a config (an envelope, see envelope.ts).
 *   Its mod_revision is the config's version, its create_revision the config's create revision.
 * - `<ns>rev/<project>/<key>@<slot>`: the revision record of one write. The slot is the
 *   revision of the key's previous record (20 digits, zero-padded; 0 for the very first write),
 *   because a transaction cannot name a key after its own, not yet assigned, revision. The
 *   record's own revision is its mod_revision. Slots grow with revisions, so a key's records
 *   sort in revision order. '@' never occurs in config keys, so `<key>@` never matches the
 *   records of a longer key.
 * - `<ns>idem/<project>/<key>@<idempotency-key>`: the idempotency record of a write to one
 *   config, on a lease ('@' never occurs in config keys, so the split is unambiguous).
 * - `<ns>meta/compact` (compact revision and retention horizon), `<ns>meta/archived`
 *   (archiver progress).
 * - `<ns>election/`: the archiver's leader election.
 */
export interface Keyspace {
  readonly ns: string;
  kv(project: string, key: string): Buffer;
  /** The value keys of every project (no project), of a project, or of a key prefix in it. */
  kvPrefix(project?: string, keyPrefix?: string): Buffer;
  record(project: string, key: string, slot: bigint): Buffer;
  /** The records of exactly one key. */
  recordsOf(project: string, key: string): Buffer;
  /** The records of every project, of a project, or of the keys under a prefix in it. */
  recordPrefix(project?: string, keyPrefix?: string): Buffer;
  idempotency(project: string, key: string, idempotencyKey: string): Buffer;
  readonly metaPrefix: Buffer;
  readonly compactKey: Buffer;
  readonly archivedKey: Buffer;
  readonly electionPrefix: string;
  /** Reads project and key back from a revision record key. */
  parseRecord(key: Buffer): { project: string; key: string };
}

const slotDigits = 20;

/** Builds the key layout of the namespace `ns` (it should end with "/"). */
export function createKeyspace(ns: string): Keyspace {
  const b = (s: string) => Buffer.from(s, "utf8");
  const kvRoot = `${ns}kv/`;
  const recRoot = `${ns}rev/`;
  return {
    ns,
    kv: (project, key) => b(`${kvRoot}${project}/${key}`),
    kvPrefix: (project, keyPrefix = "") =>
      b(project === undefined ? kvRoot : `${kvRoot}${project}/${keyPrefix}`),
    record: (project, key, slot) =>
      b(`${recRoot}${project}/${key}@${slot.toString().padStart(slotDigits, "0")}`),
    recordsOf: (project, key) => b(`${recRoot}${project}/${key}@`),
    recordPrefix: (project, keyPrefix = "") =>
      b(project === undefined ? recRoot : `${recRoot}${project}/${keyPrefix}`),
    idempotency: (project, key, idempotencyKey) =>
      b(`${ns}idem/${project}/${key}@${idempotencyKey}`),
    metaPrefix: b(`${ns}meta/`),
    compactKey: b(`${ns}meta/compact`),
    archivedKey: b(`${ns}meta/archived`),
    electionPrefix: `${ns}election/`,
    parseRecord(key) {
      const rest = key.toString("utf8").slice(recRoot.length);
      const slash = rest.indexOf("/");
      return { project: rest.slice(0, slash), key: rest.slice(slash + 1, rest.lastIndexOf("@")) };
    },
  };
}

/** Returns the end of the prefix range of `prefix`: the smallest key greater than all of it. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff: the range runs to the end of the keyspace.
  return Buffer.from([0]);
}

/** Returns the smallest key after `key`, to continue a scan after it. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
