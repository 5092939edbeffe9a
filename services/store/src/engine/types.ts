import type { CarriedAudit } from "@guardian/authz";

/**
 * The store engine contract: what every engine (SQL, etcd) provides to the store service.
 *
 * Glossary:
 * - revision: a global, strictly increasing counter; every committed write gets the next one.
 * - version: the revision of a config's last write (like etcd's mod_revision).
 * - compact revision: every event at or below it may be gone from the change log; a watch that
 *   starts at or below it must resync.
 */

/** What kind of change a write makes. */
export type ChangeKind = "create" | "update" | "delete" | "rollback";

/** Metadata recorded with every revision. */
export interface RevisionMeta {
  author: string;
  message: string;
  requestId: string;
  schema: string;
  /** The pinned schema version, 0 when the config follows the latest. */
  schemaVersion: number;
  /** The concrete schema version the value was validated against (0: no schema). */
  validatedSchemaVersion: number;
  labels: Record<string, string>;
  changeKind: ChangeKind;
  /** For rollbacks: the revision whose content was restored; 0 otherwise. */
  rolledBackFrom: bigint;
  /** Commit time, set by the engine. */
  time: Date;
}

/** The current value of one config. */
export interface KeyValue {
  project: string;
  key: string;
  value: Uint8Array;
  version: bigint;
  createRevision: bigint;
  meta: RevisionMeta;
  /** Actor and time of the write at createRevision. */
  createdBy: string;
  createTime: Date;
}

/** One revision record of one config; `deleted` records carry an empty value. */
export interface RevisionRecord {
  project: string;
  key: string;
  revision: bigint;
  createRevision: bigint;
  /** The key's previous revision, 0n when this write created it. */
  previousRevision: bigint;
  value: Uint8Array;
  deleted: boolean;
  meta: RevisionMeta;
  /**
   * Who created this incarnation of the key and when (the author and time of the record at
   * `createRevision`). Absent only on records written before it was kept; then a record that
   * is not the creation names its own author.
   */
  creator?: KeyCreator;
}

/** Who created a key and when. */
export interface KeyCreator {
  author: string;
  time: Date;
}

/** A write request: compare the version, then put value, revision and idempotency record. */
export interface WriteInput {
  project: string;
  key: string;
  op: "put" | "delete";
  value?: Uint8Array;
  /** Absent: unconditional. 0n: the key must not exist. N: the key's version must be N. */
  expectedVersion?: bigint;
  /** The key must exist when the write commits (checked in the write's transaction). */
  mustExist?: boolean;
  idempotencyKey?: string;
  meta: Omit<RevisionMeta, "time">;
  /**
   * The audit event of the mutation this write makes, to be written in the write's own
   * transaction when it changes the config (not on a replay or a failure). The SQL engine
   * does, and marks it written once that transaction committed; the etcd engine cannot (the
   * audit log is in PostgreSQL), so its caller audits the write itself.
   */
  audit?: CarriedAudit;
}

/** The outcome of a successful write (or of the replay of an earlier one). */
export interface WriteResult {
  revision: bigint;
  record: RevisionRecord;
  idempotentReplay: boolean;
}

/** Read options shared by get and range. */
export interface ReadOptions {
  /** Read as of this past revision (0n or absent: latest). */
  revision?: bigint;
  /** Wait until the engine has applied at least this revision before reading. */
  minRevision?: bigint;
  signal?: AbortSignal;
}

/** Options of a range read: paging and filters. */
export interface RangeOptions extends ReadOptions {
  limit?: number;
  /** Return keys after this one (exclusive), in key order. */
  after?: string;
  /** Only configs bound to this schema. */
  schema?: string;
  /** Only configs whose labels contain all of these pairs. */
  labels?: Record<string, string>;
  /** Leave values empty. */
  keysOnly?: boolean;
}

/** A page of a range read. */
export interface RangeResult {
  kvs: KeyValue[];
  revision: bigint;
  more: boolean;
  /** Keys in the project and prefix at that revision, ignoring filters. */
  count: bigint;
}

/** Where a watch looks: one project (or all), optionally one key or one key prefix. */
export interface WatchScope {
  project?: string;
  key?: string;
  prefix?: string;
}

/**
 * Where a watch starts: after a revision (exclusive; 0n means from revision 1), or `"now"`.
 * "From now" is its own value so that it can never be confused with "after revision 0".
 */
export type WatchStart = bigint | "now";

/** What a watch stream yields. */
export type WatchItem =
  | { kind: "events"; revision: bigint; events: RevisionRecord[] }
  | { kind: "progress"; revision: bigint }
  | { kind: "compacted"; compactRevision: bigint; currentRevision: bigint };

/** Retention facts of the change log. */
export interface CompactionInfo {
  compactRevision: bigint;
  currentRevision: bigint;
  retainedPerConfig: number;
  archivedRevision: bigint;
}

/** A store engine. Every method throws {@link StoreError} for expected failures. */
export interface StoreEngine {
  readonly name: "sql" | "etcd";
  write(input: WriteInput): Promise<WriteResult>;
  get(
    project: string,
    key: string,
    opts?: ReadOptions,
  ): Promise<{ kv?: KeyValue; revision: bigint }>;
  range(project: string, prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  listRevisions(
    project: string,
    key: string,
    opts?: { limit?: number; before?: bigint },
  ): Promise<{ records: RevisionRecord[]; more: boolean }>;
  getRevision(project: string, key: string, revision: bigint): Promise<RevisionRecord | undefined>;
  /**
   * Streams changes after `after` (exclusive) in revision order, or a `compacted` item first
   * when that revision is no longer retained. `"now"` starts at the current revision: only
   * later changes. `0n` replays every retained change from revision 1. Ends when `signal`
   * aborts.
   */
  watch(
    scope: WatchScope,
    after: WatchStart,
    signal: AbortSignal,
    progressIntervalMs?: number,
  ): AsyncIterable<WatchItem>;
  /** Lists retained revision records of every key after `after`, in revision order. */
  listChanges(after: bigint, limit: number): Promise<RevisionRecord[]>;
  /** Records archiver progress; returns the archived revision (never moves backwards). */
  markArchived(revision: bigint): Promise<bigint>;
  currentRevision(): Promise<bigint>;
  compactionInfo(): Promise<CompactionInfo>;
  /**
   * Revisions this instance committed that its watch cache has not delivered yet (the etcd
   * engine, whose one etcd watch feeds every watcher and cached read); unset when the engine
   * delivers its own writes at once.
   */
  watchLag?(): bigint;
  close(): Promise<void>;
}
