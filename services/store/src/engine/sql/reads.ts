import { withTransaction } from "@guardian/db";
import type pg from "pg";
import { collectPage } from "../page.js";
import { recordToKeyValue } from "../records.js";
import type { StoreEngine } from "../types.js";
import { stateAt, withCreators } from "./history.js";
import { countKv, selectKv, selectKvRange } from "./kv.js";
import { toKeyValue } from "./rows.js";
import { readState } from "./state.js";

/** The get and range reads of the SQL engine. */
export type SqlReads = Pick<StoreEngine, "get" | "range">;

/**
 * Creates the reads. Each runs in one repeatable-read transaction: the current state from
 * store_kv, a past revision from the change log and the archive together. `reach` first waits
 * until this instance has seen the revision a read asks for.
 */
export function createSqlReads(
  pool: pg.Pool,
  reach: (revision: bigint | undefined, signal?: AbortSignal) => Promise<void>,
): SqlReads {
  const readOnly = { isolation: "repeatable read" } as const;
  return {
    async get(project, key, ro = {}) {
      await reach(ro.revision || ro.minRevision, ro.signal);
      return withTransaction(
        pool,
        async (db) => {
          if (ro.revision) {
            const [r] = await stateAt(db, project, { key }, ro.revision);
            const kvs = r ? await withCreators(db, [recordToKeyValue(r)]) : [];
            return { kv: kvs[0], revision: ro.revision };
          }
          const { revision } = await readState(db);
          const row = await selectKv(db, project, key);
          return { kv: row && toKeyValue(row), revision };
        },
        readOnly,
      );
    },

    async range(project, prefix, ro = {}) {
      await reach(ro.revision || ro.minRevision, ro.signal);
      const limit = ro.limit ?? 100;
      const filter = { schema: ro.schema, labels: ro.labels, keysOnly: ro.keysOnly };
      return withTransaction(
        pool,
        async (db) => {
          if (ro.revision) {
            const live = await stateAt(db, project, { prefix }, ro.revision);
            const page = collectPage(
              live.map((r) => recordToKeyValue(r)),
              {
                ...filter,
                after: ro.after,
                limit,
              },
            );
            return {
              kvs: await withCreators(db, page.kvs),
              revision: ro.revision,
              more: page.more,
              count: BigInt(live.length),
            };
          }
          const { revision } = await readState(db);
          const rows = await selectKvRange(db, project, prefix, ro.after ?? "", limit + 1, filter);
          return {
            kvs: rows.slice(0, limit).map(toKeyValue),
            revision,
            more: rows.length > limit,
            count: await countKv(db, project, prefix),
          };
        },
        readOnly,
      );
    },
  };
}
