import type { Queryable } from "@guardian/db";
import * as records from "./sql/records.js";
import { insertArchivedRevisions, selectNewestArchivedRevision } from "./sql/revision-archive.js";
import { selectArchiveHorizon } from "./sql/retention.js";
import { toRecord } from "./sql/rows.js";
import { StoreError } from "../engine/errors.js";
import type { RevisionArchive } from "./types.js";

const table = "revision_archive";

/**
 * Creates the revision archive over PostgreSQL's revision_archive table. `db` is a pool, or a
 * transaction's client when the archive must take part in that transaction.
 */
export function createSqlArchive(db: Queryable): RevisionArchive {
  return {
    insert: (rs) => insertArchivedRevisions(db, rs),
    async history(project, key, opts) {
      const rows = await records.selectRecordHistory(
        db,
        table,
        project,
        key,
        opts.before,
        opts.limit,
      );
      return rows.map(toRecord);
    },
    async get(project, key, revision) {
      const row = await records.selectRecord(db, table, project, key, revision);
      return row && toRecord(row);
    },
    async getMany(revisions) {
      return (await records.selectRecordsByRevision(db, table, revisions)).map(toRecord);
    },
    async latestAt(project, match, revision) {
      // History retention deleted revisions below the horizon: a state there would miss configs.
      const horizon = await selectArchiveHorizon(db, project);
      if (revision < horizon) {
        throw new StoreError(
          "compacted",
          `revision ${revision} of project "${project}" is no longer retained (history retention); past states from revision ${horizon} on can be read`,
          { compactRevision: horizon - 1n },
        );
      }
      const rows = await records.selectLatestRecordsAt(db, table, project, match, revision);
      return rows.map(toRecord);
    },
    newestRevision: () => selectNewestArchivedRevision(db),
  };
}
