import type { RevisionRecord, StoreEngine } from "../engine/types.js";

/** Reads every revision of one config, newest first, following listRevisions pages of `pageSize`. */
export async function listAllRevisions(
  engine: StoreEngine,
  project: string,
  key: string,
  pageSize: number,
): Promise<RevisionRecord[]> {
  const all: RevisionRecord[] = [];
  let before: bigint | undefined;
  for (;;) {
    const page = await engine.listRevisions(project, key, { limit: pageSize, before });
    all.push(...page.records);
    if (!page.more) return all;
    before = page.records[page.records.length - 1]!.revision;
  }
}
