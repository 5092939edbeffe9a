import type { RevisionRecord } from "../types.js";
import { retainedKeyId, type RetainedKey } from "./retention.js";

/**
 * The revision records the feed delivered lately, for the archiver: it copies and trims them
 * from here instead of from a range over every record in etcd (etcd reads the whole prefix
 * for a range filtered by revision, so that cost grows with every config's retained records,
 * not with the writes since the last run).
 *
 * The log holds nothing until it is first asked (only the replica that archives asks), and
 * empties again when nobody asked for `idleMs`. It is complete above `floor` up to the feed's
 * revision; whatever it cannot answer, the caller reads from etcd.
 */
export interface RecentRecords {
  /** Adds records the feed delivered, in revision order, through revision `upTo`. */
  append(records: readonly RevisionRecord[], upTo: bigint): void;
  /** Forgets everything: the feed went on from `revision` with a gap before it. */
  restart(revision: bigint): void;
  /** Records above `after`, oldest first, at most `limit`; undefined when the log cannot tell. */
  since(after: bigint, limit: number): RevisionRecord[] | undefined;
  /** The keys with a record in (after, upTo]; undefined when the log cannot tell. */
  keysIn(after: bigint, upTo: bigint): RetainedKey[] | undefined;
  /** Forgets the records at or below `revision` (they are archived). */
  dropThrough(revision: bigint): void;
}

/** Options of {@link createRecentRecords}. */
export interface RecentRecordsOptions {
  /** The feed's revision when the log is created. */
  revision: bigint;
  /** The most bytes of record values held; the oldest go first. Default 32 MiB. */
  maxBytes?: number;
  /** Unasked for this long, the log empties and stops holding records. Default 60 s. */
  idleMs?: number;
  now?: () => number;
}

/** What one record costs the log beyond its value (its fields and its slot). */
const recordOverhead = 256;

/** Creates the log of recent records (see {@link RecentRecords}). */
export function createRecentRecords(opts: RecentRecordsOptions): RecentRecords {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  const idleMs = opts.idleMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let records: RevisionRecord[] = [];
  /** Index of the oldest record held (records before it are dropped). */
  let head = 0;
  let bytes = 0;
  /** Every record above floor and at or below top is held. */
  let floor = opts.revision;
  let top = opts.revision;
  let active = false;
  let askedAt = 0;

  const size = (r: RevisionRecord) => r.value.length + recordOverhead;

  function clear(revision: bigint): void {
    records = [];
    head = 0;
    bytes = 0;
    floor = revision;
  }

  /** Drops held records while `drop` says so, raising the floor over them. */
  function dropWhile(drop: (r: RevisionRecord) => boolean): void {
    while (head < records.length && drop(records[head]!)) {
      const r = records[head++]!;
      bytes -= size(r);
      floor = r.revision;
    }
    // Shed the dropped slots once they are most of the array.
    if (head > 1024 && head * 2 > records.length) {
      records = records.slice(head);
      head = 0;
    }
  }

  /** Index of the first held record above `revision`. */
  function firstAbove(revision: bigint): number {
    let lo = head;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (records[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when the log holds every record in (after, upTo]; starts the log on first use. */
  function covers(after: bigint, upTo: bigint): boolean {
    askedAt = now();
    if (!active) {
      active = true;
      clear(top);
      return false;
    }
    return after >= floor && upTo <= top;
  }

  return {
    append(added, upTo) {
      if (upTo > top) top = upTo;
      if (active && now() - askedAt > idleMs) active = false;
      if (!active) {
        if (records.length > 0) clear(top);
        floor = top;
        return;
      }
      for (const r of added) {
        records.push(r);
        bytes += size(r);
      }
      if (bytes > maxBytes) dropWhile(() => bytes > maxBytes);
    },
    restart(revision) {
      if (revision > top) top = revision;
      clear(top);
    },
    since(after, limit) {
      if (!covers(after, top)) return undefined;
      const from = firstAbove(after);
      return records.slice(from, from + limit);
    },
    keysIn(after, upTo) {
      if (!covers(after, upTo)) return undefined;
      const keys = new Map<string, RetainedKey>();
      for (let i = firstAbove(after); i < records.length; i++) {
        const r = records[i]!;
        if (r.revision > upTo) break;
        keys.set(retainedKeyId(r), { project: r.project, key: r.key });
      }
      return [...keys.values()];
    },
    dropThrough(revision) {
      dropWhile((r) => r.revision <= revision);
      if (revision > floor && revision <= top) floor = revision;
    },
  };
}
