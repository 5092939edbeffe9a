import type { Queryable } from "@guardian/db";

/** A status of a live instance, with the instance's own facts. */
export interface InstanceStatusRow {
  key: string;
  instance_id: string;
  version: string;
  outcome: "applied" | "rejected";
  reason: string;
  reported_at: Date;
  last_report_at: Date;
  labels: Record<string, string>;
}

/** Which statuses {@link listLiveStatuses} reads. */
export interface StatusQuery {
  project: string;
  /** Exactly this key. */
  key?: string;
  /** Keys starting with this prefix (ignored when `key` is set). */
  prefix?: string;
  /** Continue after this (key, instance id). */
  after?: { key: string; instanceId: string };
  limit: number;
  ttlMs: number;
}

/**
 * Lists the statuses of live instances (reported within the TTL), ordered by key, then
 * instance id.
 */
export async function listLiveStatuses(
  db: Queryable,
  q: StatusQuery,
): Promise<InstanceStatusRow[]> {
  const res = await db.query<InstanceStatusRow>(
    `SELECT s.key, s.instance_id, s.version::text AS version, s.outcome, s.reason,
            s.reported_at, i.last_report_at, i.labels
     FROM config_instance_statuses s
     JOIN config_instances i ON i.project = s.project AND i.instance_id = s.instance_id
     WHERE s.project = $1
       AND i.last_report_at > now() - $2 * interval '1 millisecond'
       AND ($3::text IS NULL OR s.key = $3)
       AND ($4::text IS NULL OR starts_with(s.key, $4))
       AND ($5::text IS NULL OR (s.key, s.instance_id) > ($5::text COLLATE "C", $6::text COLLATE "C"))
     ORDER BY s.key, s.instance_id
     LIMIT $7`,
    [
      q.project,
      q.ttlMs,
      q.key ?? null,
      q.key === undefined && q.prefix ? q.prefix : null,
      q.after?.key ?? null,
      q.after?.instanceId ?? null,
      q.limit,
    ],
  );
  return res.rows;
}

/** How the live instances of one config stand against its current version. */
export interface ConvergenceRow {
  key: string;
  instances: string;
  current: string;
  lagging: string;
  rejected: string;
}

/**
 * Counts, for each given key and its current version (0: the config is gone), the live
 * instances that applied that version, applied an older one, or rejected one.
 */
export async function countConvergence(
  db: Queryable,
  project: string,
  configs: readonly { key: string; version: bigint }[],
  ttlMs: number,
): Promise<ConvergenceRow[]> {
  const res = await db.query<ConvergenceRow>(
    `SELECT c.key,
            count(*)::text AS instances,
            (count(*) FILTER (WHERE s.outcome = 'applied' AND s.version = c.version))::text
              AS current,
            (count(*) FILTER (WHERE s.outcome = 'applied' AND s.version <> c.version))::text
              AS lagging,
            (count(*) FILTER (WHERE s.outcome = 'rejected'))::text AS rejected
     FROM unnest($2::text[], $3::bigint[]) AS c (key, version)
     JOIN config_instance_statuses s ON s.project = $1 AND s.key = c.key COLLATE "C"
     JOIN config_instances i ON i.project = s.project AND i.instance_id = s.instance_id
     WHERE i.last_report_at > now() - $4 * interval '1 millisecond'
     GROUP BY c.key
     ORDER BY c.key COLLATE "C"`,
    [project, configs.map((c) => c.key), configs.map((c) => c.version.toString()), ttlMs],
  );
  return res.rows;
}
