import type { HandlerContext } from "@connectrpc/connect";
import type { ConfigDeps } from "../deps.js";

/**
 * Returns the current version of each config (0 when it does not exist), from the read
 * cache when the service has one, otherwise from the store. With `minRevisions`, the read of
 * a key reflects at least that revision, so that a config written moments ago on another
 * instance is seen (OutOfRange for a revision the store has not reached).
 */
export async function currentVersions(
  deps: Pick<ConfigDeps, "store" | "readCache">,
  ctx: Pick<HandlerContext, "signal">,
  project: string,
  keys: readonly string[],
  minRevisions: readonly bigint[] = [],
): Promise<bigint[]> {
  const { store, readCache } = deps;
  return Promise.all(
    keys.map(async (key, i) => {
      const minRevision = minRevisions[i] ?? 0n;
      if (readCache) {
        const res = await readCache.read(project, key, { minRevision, signal: ctx.signal });
        return res.config?.version ?? 0n;
      }
      const res = await store.get({ project, key, minRevision }, { signal: ctx.signal });
      return res.kv?.version ?? 0n;
    }),
  );
}
