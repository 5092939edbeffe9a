import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { StoredRevision } from "@guardian/api";
import type { ConfigDeps } from "../deps.js";

/**
 * Finds one revision record of a config in the store (which also reads its archive).
 * Fails with NotFound when it is not a write of this config.
 */
export async function findRevision(
  deps: ConfigDeps,
  ctx: Pick<HandlerContext, "signal">,
  project: string,
  key: string,
  revision: bigint,
): Promise<StoredRevision> {
  try {
    const res = await deps.store.getKeyRevision({ project, key, revision }, { signal: ctx.signal });
    if (res.record) return res.record;
  } catch (err) {
    if (!(err instanceof ConnectError && err.code === Code.NotFound)) throw err;
  }
  throw new ConnectError(
    `revision ${revision} is not a write of config "${key}" in project "${project}"`,
    Code.NotFound,
  );
}
