/** A write the client was told succeeded. */
export interface AcknowledgedWrite {
  readonly partition: string;
  readonly value: string;
  readonly version: bigint;
}

/** One entry of an object's revision history, as the system reports it at the end. */
export interface RecordedRevision {
  readonly revision: bigint;
  /** The value written; undefined for a revision that wrote none (a deletion). */
  readonly value: string | undefined;
}

/**
 * Checks that nothing acknowledged was lost or applied twice. Every acknowledged write's
 * version must appear in its partition's history exactly once, carrying its value; no
 * revision may appear twice; and no value (each write writes a unique one) may have been
 * applied twice. Returns one line per problem; empty when there is none.
 */
export function findLostWrites(
  acknowledged: readonly AcknowledgedWrite[],
  histories: ReadonlyMap<string, readonly RecordedRevision[]>,
): string[] {
  const problems: string[] = [];
  for (const [partition, history] of histories) {
    const revisions = new Map<bigint, number>();
    const values = new Map<string, bigint[]>();
    for (const r of history) {
      revisions.set(r.revision, (revisions.get(r.revision) ?? 0) + 1);
      if (r.value !== undefined) values.set(r.value, [...(values.get(r.value) ?? []), r.revision]);
    }
    for (const [revision, count] of revisions) {
      if (count > 1) problems.push(`${partition}: revision ${revision} appears ${count} times`);
    }
    for (const [value, at] of values) {
      if (at.length > 1) {
        problems.push(
          `${partition}: value ${JSON.stringify(value)} was applied ${at.length} times (${at.map((v) => `v${v}`).join(", ")})`,
        );
      }
    }
  }
  for (const w of acknowledged) {
    const history = histories.get(w.partition) ?? [];
    const found = history.filter((r) => r.revision === w.version);
    const what = `${w.partition}: acknowledged write of ${JSON.stringify(w.value)} at v${w.version}`;
    if (found.length === 0) problems.push(`${what} is missing from the history`);
    else if (found.some((r) => r.value !== w.value)) {
      problems.push(`${what}: the history has ${JSON.stringify(found[0]!.value)} at that revision`);
    }
  }
  return problems;
}
