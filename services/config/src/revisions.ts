import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { KeyValueSchema, type KeyValue, type StoredRevision } from "@guardian/api";
import * as archive from "./archive-queries.js";
import type { ConfigDeps } from "./deps.js";
import { configNotFound } from "./error-map.js";

/**
 * Finds one revision record of a config: in the store, or else in the PostgreSQL archive.
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
  const archived = await archive.selectArchivedRevision(deps.pool, project, key, revision);
  if (!archived) {
    throw new ConnectError(
      `revision ${revision} is not a write of config "${key}" in project "${project}"`,
      Code.NotFound,
    );
  }
  return archived;
}

/**
 * Reads a config as it was at a past revision from the archive, for reads the store can no
 * longer serve. Returns undefined when the archive holds nothing at or below it; fails with
 * NotFound when the config was deleted (or not yet created) then.
 */
export async function archivedConfigAt(
  deps: ConfigDeps,
  project: string,
  key: string,
  revision: bigint,
): Promise<KeyValue | undefined> {
  const rec = await archive.selectArchivedAt(deps.pool, project, key, revision);
  if (!rec) return undefined;
  if (rec.deleted) throw configNotFound(project, key, revision);
  const created =
    rec.createRevision === rec.revision
      ? rec
      : await archive.selectArchivedRevision(deps.pool, project, key, rec.createRevision);
  return create(KeyValueSchema, {
    project,
    key,
    value: rec.value,
    version: rec.revision,
    createRevision: rec.createRevision,
    meta: rec.meta,
    createdBy: created?.meta?.author ?? "",
    createTime: created?.meta?.time,
  });
}
