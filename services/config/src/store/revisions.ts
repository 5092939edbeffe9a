import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { StoredRevision } from "@guardian/api";
import { selectProject } from "@guardian/authz";
import type { ConfigDeps } from "../deps.js";

/**
 * Finds one revision record of a config in the store (which also reads its archive).
 * Fails with NotFound when it is not a write of this config; when the project has a history
 * retention policy, the message says that the revision may have been removed by it.
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
  const row = await selectProject(deps.pool, project);
  const days = row?.history_max_age_days ?? 0;
  const retention =
    days > 0
      ? `, or the project's history retention (max_age_days ${days}, min_revisions_per_config ${row?.history_min_revisions ?? 0}) removed it`
      : "";
  throw new ConnectError(
    `revision ${revision} is not a write of config "${key}" in project "${project}"${retention}`,
    Code.NotFound,
  );
}
