import { describe, expect, it } from "vitest";
import { testMeta } from "../../testing/writes.js";
import type { RevisionRecord } from "../types.js";
import { createRecentRecords } from "./recent.js";

function record(revision: number, key = `k${revision % 3}`, bytes = 10): RevisionRecord {
  return {
    project: "p",
    key,
    revision: BigInt(revision),
    createRevision: 1n,
    previousRevision: 0n,
    value: new Uint8Array(bytes),
    deleted: false,
    meta: { ...testMeta(), time: new Date(0) },
  };
}

const revisions = (rs: RevisionRecord[] | undefined) => rs?.map((r) => Number(r.revision));

describe("the feed's recent records", () => {
  it("holds nothing until first asked, then answers for everything delivered after that", () => {
    const log = createRecentRecords({ revision: 10n });
    log.append([record(11), record(12)], 12n);
    // Not held: the first question starts the log, and the caller reads etcd this time.
    expect(log.since(10n, 100)).toBeUndefined();
    log.append([record(13), record(15)], 15n);
    expect(revisions(log.since(12n, 100))).toEqual([13, 15]);
    expect(revisions(log.since(13n, 100))).toEqual([15]);
    expect(revisions(log.since(15n, 100))).toEqual([]);
    expect(revisions(log.since(12n, 1))).toEqual([13]);
    // Below where the log starts it cannot tell.
    expect(log.since(11n, 100)).toBeUndefined();
  });

  it("names the keys with a record in a range it covers, each once", () => {
    const log = createRecentRecords({ revision: 0n });
    log.since(0n, 1);
    log.append([record(1, "a"), record(2, "b"), record(3, "a"), record(4, "c")], 4n);
    expect(log.keysIn(0n, 3n)).toEqual([
      { project: "p", key: "a" },
      { project: "p", key: "b" },
    ]);
    expect(log.keysIn(3n, 4n)).toEqual([{ project: "p", key: "c" }]);
    // Beyond what the feed delivered it cannot tell.
    expect(log.keysIn(3n, 5n)).toBeUndefined();
  });

  it("forgets archived records and still answers above them", () => {
    const log = createRecentRecords({ revision: 0n });
    log.since(0n, 1);
    log.append([record(1), record(2), record(3)], 3n);
    log.dropThrough(2n);
    expect(revisions(log.since(2n, 100))).toEqual([3]);
    expect(log.since(1n, 100)).toBeUndefined();
  });

  it("drops its oldest records beyond its byte limit and no longer answers for them", () => {
    const log = createRecentRecords({ revision: 0n, maxBytes: 3 * (256 + 100) });
    log.since(0n, 1);
    log.append(
      [1, 2, 3, 4, 5].map((n) => record(n, "k", 100)),
      5n,
    );
    expect(log.since(0n, 100)).toBeUndefined();
    expect(revisions(log.since(2n, 100))).toEqual([3, 4, 5]);
  });

  it("starts again after a gap in the feed", () => {
    const log = createRecentRecords({ revision: 0n });
    log.since(0n, 1);
    log.append([record(1)], 1n);
    log.restart(9n);
    expect(log.since(1n, 100)).toBeUndefined();
    log.append([record(10)], 10n);
    expect(revisions(log.since(9n, 100))).toEqual([10]);
  });

  it("empties and stops holding records when nobody asked for a while", () => {
    let clock = 0;
    const log = createRecentRecords({ revision: 0n, idleMs: 1_000, now: () => clock });
    log.since(0n, 1);
    log.append([record(1)], 1n);
    clock = 5_000;
    log.append([record(2)], 2n);
    // Idle: nothing was kept, so the next question starts the log again.
    expect(log.since(0n, 100)).toBeUndefined();
    log.append([record(3)], 3n);
    expect(revisions(log.since(2n, 100))).toEqual([3]);
  });
});
