import type { Queryable } from "@guardian/db";

// An instance is live while its last report is younger than the TTL, by the database's clock.
const live = (ttl: string) => `last_report_at > now() - ${ttl} * interval '1 millisecond'`;

/**
 * Deletes an instance that has aged out (its statuses go with it), so that a report after
 * the TTL starts afresh. Returns whether one was deleted.
 */
export async function deleteAgedInstance(
  db: Queryable,
  project: string,
  instanceId: string,
  ttlMs: number,
): Promise<boolean> {
  const res = await db.query(
    `DELETE FROM config_instances
     WHERE project = $1 AND instance_id = $2 AND NOT (${live("$3")})`,
    [project, instanceId, ttlMs],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Records a report of a live instance: its labels and report time. Returns the report time,
 * or undefined when the project has no live instance of that id.
 */
export async function touchInstance(
  db: Queryable,
  project: string,
  instanceId: string,
  labels: Record<string, string>,
): Promise<Date | undefined> {
  const res = await db.query<{ at: Date }>(
    `UPDATE config_instances SET labels = $3, last_report_at = now()
     WHERE project = $1 AND instance_id = $2
     RETURNING last_report_at AS at`,
    [project, instanceId, JSON.stringify(labels)],
  );
  return res.rows[0]?.at;
}

/** Serialises the creation of instances per project, so that the instance limit holds. */
export async function lockProjectInstances(db: Queryable, project: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('guardian.config_instances:' || $1))`, [
    project,
  ]);
}

/** Counts the live instances of a project. */
export async function countLiveInstances(
  db: Queryable,
  project: string,
  ttlMs: number,
): Promise<number> {
  const res = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM config_instances WHERE project = $1 AND ${live("$2")}`,
    [project, ttlMs],
  );
  return Number(res.rows[0]?.n ?? 0);
}

/** Inserts a new instance and returns its report time. */
export async function insertInstance(
  db: Queryable,
  project: string,
  instanceId: string,
  labels: Record<string, string>,
): Promise<Date> {
  const res = await db.query<{ at: Date }>(
    `INSERT INTO config_instances (project, instance_id, labels) VALUES ($1, $2, $3)
     RETURNING last_report_at AS at`,
    [project, instanceId, JSON.stringify(labels)],
  );
  return res.rows[0]!.at;
}

/** One config status as a report carries it. */
export interface StatusInput {
  key: string;
  version: bigint;
  outcome: "applied" | "rejected";
  reason: string;
}

/** Records the statuses of one instance, replacing its earlier status of each key. */
export async function upsertStatuses(
  db: Queryable,
  project: string,
  instanceId: string,
  statuses: readonly StatusInput[],
): Promise<void> {
  await db.query(
    `INSERT INTO config_instance_statuses (project, instance_id, key, version, outcome, reason)
     SELECT $1, $2, s.key, s.version, s.outcome, s.reason
     FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[])
       AS s (key, version, outcome, reason)
     ON CONFLICT (project, key, instance_id) DO UPDATE
       SET version = excluded.version, outcome = excluded.outcome, reason = excluded.reason,
           reported_at = excluded.reported_at`,
    [
      project,
      instanceId,
      statuses.map((s) => s.key),
      statuses.map((s) => s.version.toString()),
      statuses.map((s) => s.outcome),
      statuses.map((s) => s.reason),
    ],
  );
}

/**
 * Deletes up to `limit` instances (of any project) that aged out, with their statuses, and
 * returns how many it deleted.
 */
export async function sweepAgedInstances(
  db: Queryable,
  ttlMs: number,
  limit: number,
): Promise<number> {
  const res = await db.query(
    `DELETE FROM config_instances
     WHERE (project, instance_id) IN (
       SELECT project, instance_id FROM config_instances
       WHERE NOT (${live("$1")}) ORDER BY last_report_at LIMIT $2)`,
    [ttlMs, limit],
  );
  return res.rowCount ?? 0;
}
