import type { Queryable } from "@guardian/db";

/** Which archived revisions of one project a retention batch may delete. */
export interface ArchiveRetentionBatch {
  project: string;
  /** Only revisions committed before this time. */
  before: Date;
  /** Only revisions at or below this one: newer ones the store may still hold itself. */
  upToRevision: bigint;
  /**
   * The newest this many revisions of each config are kept (at least one), counted over the
   * SQL engine's change log and the archive together.
   */
  keepPerConfig: number;
  /** Revisions deleted at most. */
  limit: number;
}

/** What one retention batch deleted. */
export interface ArchiveRetentionResult {
  deleted: number;
  /** The lowest revision whose past state is still whole (0n when nothing was deleted). */
  horizon: bigint;
}

/**
 * Deletes up to `limit` archived revisions of a project, oldest first, that are older than
 * `before`, at or below `upToRevision`, not among the newest `keepPerConfig` revisions of
 * their config (never its newest; records still in `store_log`, always newer than the
 * archived ones of their config, count too) and not the creation of the config's newest
 * archived lifetime (who created it and when is read from there). Returns how many, and the
 * revision from which past states are still whole: the highest revision that followed a
 * deleted one.
 */
export async function deleteExpiredArchivedRevisions(
  db: Queryable,
  b: ArchiveRetentionBatch,
): Promise<ArchiveRetentionResult> {
  const r = await db.query<{ deleted: number; horizon: string | null }>(
    `WITH logged AS (
       SELECT key, count(*) AS n FROM store_log WHERE project = $1 GROUP BY key
     ), ranked AS (
       SELECT a.key, a.revision, a.created_at,
              row_number() OVER newest + coalesce(l.n, 0) AS rank,
              first_value(a.create_revision) OVER newest AS current_create,
              lead(a.revision) OVER (PARTITION BY a.key ORDER BY a.revision) AS next_revision
         FROM revision_archive a LEFT JOIN logged l ON l.key = a.key
        WHERE a.project = $1
       WINDOW newest AS (PARTITION BY a.key ORDER BY a.revision DESC)
     ), doomed AS (
       SELECT key, revision, next_revision FROM ranked
        WHERE created_at < $2 AND revision <= $3 AND rank > greatest($4::int, 1)
          AND revision <> current_create
        ORDER BY revision LIMIT $5
     ), gone AS (
       DELETE FROM revision_archive a USING doomed d
        WHERE a.project = $1 AND a.key = d.key AND a.revision = d.revision
       RETURNING d.next_revision
     )
     SELECT count(*)::int AS deleted, max(next_revision)::text AS horizon FROM gone`,
    [b.project, b.before, b.upToRevision.toString(), b.keepPerConfig, b.limit],
  );
  const row = r.rows[0];
  return { deleted: row?.deleted ?? 0, horizon: BigInt(row?.horizon ?? 0) };
}

/** Raises a project's archive horizon (see {@link selectArchiveHorizon}); never lowers it. */
export async function raiseArchiveHorizon(
  db: Queryable,
  project: string,
  revision: bigint,
): Promise<void> {
  await db.query(
    `INSERT INTO revision_archive_horizon (project, revision) VALUES ($1, $2)
     ON CONFLICT (project) DO UPDATE
       SET revision = greatest(revision_archive_horizon.revision, EXCLUDED.revision)`,
    [project, revision.toString()],
  );
}

/**
 * Reads the lowest revision from which a project's past state can be read whole from the
 * archive (0n: every revision), as history retention left it.
 */
export async function selectArchiveHorizon(db: Queryable, project: string): Promise<bigint> {
  const r = await db.query<{ revision: string }>(
    "SELECT revision::text AS revision FROM revision_archive_horizon WHERE project = $1",
    [project],
  );
  return BigInt(r.rows[0]?.revision ?? 0);
}
