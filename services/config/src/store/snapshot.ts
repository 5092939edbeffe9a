import type { Client } from "@connectrpc/connect";
import type { KeyValue, StoreService } from "@guardian/api";

/** What a snapshot covers: a project, optionally one key or a key prefix. */
export interface SnapshotScope {
  project: string;
  key?: string;
  prefix?: string;
}

/** One page of a snapshot: configs in key order, all at the same revision. */
export interface SnapshotPage {
  kvs: KeyValue[];
  revision: bigint;
  /** True on the final page. */
  last: boolean;
}

/**
 * Reads the full state of a scope, with content, page by page at ONE revision (the first
 * page's; the store's page tokens pin it). Always yields at least one page.
 */
export async function* readSnapshot(
  store: Client<typeof StoreService>,
  scope: SnapshotScope,
  opts: { limit: number; minRevision?: bigint; signal?: AbortSignal },
): AsyncGenerator<SnapshotPage> {
  let pageToken = "";
  for (;;) {
    const res = await store.range(
      {
        project: scope.project,
        prefix: scope.key || scope.prefix || "",
        limit: opts.limit,
        minRevision: opts.minRevision ?? 0n,
        pageToken,
      },
      { signal: opts.signal },
    );
    pageToken = res.nextPageToken;
    // A key scope reads the key as a prefix, so drop the longer keys it also matches.
    const kvs = scope.key ? res.kvs.filter((kv) => kv.key === scope.key) : res.kvs;
    yield { kvs, revision: res.revision, last: pageToken === "" };
    if (pageToken === "") return;
  }
}
