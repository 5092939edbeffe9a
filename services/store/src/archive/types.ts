/**
 * The revision archive: the full history of every config in PostgreSQL (`revision_archive`).
 * The SQL engine moves revisions there as they leave its change log, the archiver copies them
 * there from etcd, and both engines read history beyond their retention from it.
 */
import type { RevisionRecord } from "../engine/types.js";

/** Which configs of a project a past-state read covers: exactly one key, or a key prefix. */
export type KeyMatch = { key: string } | { prefix: string };

/** The revision archive, as every engine and the archiver use it. */
export interface RevisionArchive {
  /**
   * Copies revision records in. A record already there (same project, key and revision) is
   * left as it is, so copying twice is harmless. Returns how many records were new.
   */
  insert(records: RevisionRecord[]): Promise<number>;
  /** Reads one config's archived revisions below `before` (all when absent), newest first. */
  history(
    project: string,
    key: string,
    opts: { before?: bigint; limit: number },
  ): Promise<RevisionRecord[]>;
  /** Reads one archived revision of one config. */
  get(project: string, key: string, revision: bigint): Promise<RevisionRecord | undefined>;
  /** Reads archived records by their (global) revision numbers, in no particular order. */
  getMany(revisions: bigint[]): Promise<RevisionRecord[]>;
  /**
   * Reads, for every archived config that `match` covers, its newest record at or below
   * `revision`. Fails with StoreError "compacted" when history retention deleted records below
   * the project's archive horizon and `revision` is under it: that state can no longer be read.
   */
  latestAt(project: string, match: KeyMatch, revision: bigint): Promise<RevisionRecord[]>;
  /** The highest archived revision (0n when the archive is empty). */
  newestRevision(): Promise<bigint>;
}
