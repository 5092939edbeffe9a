import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigDeps } from "../deps.js";
import { projectInUse } from "../error-map.js";
import { writeConfig } from "./write.js";

/**
 * Deletes every config of a project through the store (each deletion is a store write with
 * a DELETE revision, so watchers see it). Without `force`, fails with FailedPrecondition and
 * guardian.v1.ResourceInUse when any config exists. Safe to repeat after an interruption.
 */
export async function deleteProjectConfigs(
  deps: ConfigDeps,
  ctx: HandlerContext,
  project: string,
  force: boolean,
): Promise<{ count: bigint; revision: bigint }> {
  let count = 0n;
  let revision = 0n;
  for (;;) {
    const page = await deps.store.range(
      { project, keysOnly: true, limit: 1000 },
      { signal: ctx.signal },
    );
    if (page.kvs.length === 0) return { count, revision };
    if (!force) {
      throw projectInUse(
        project,
        page.kvs.slice(0, 100).map((kv) => kv.key),
        page.count,
      );
    }
    for (const kv of page.kvs) {
      try {
        const res = await writeConfig(deps.store, ctx, {
          project,
          key: kv.key,
          op: "delete",
          idempotencyKey: "",
          message: `project "${project}" deleted`,
          decides: {},
        });
        count++;
        if (res.revision > revision) revision = res.revision;
      } catch (err) {
        // Deleted concurrently: the goal is reached all the same.
        if (!(err instanceof ConnectError && err.code === Code.NotFound)) throw err;
      }
    }
  }
}
