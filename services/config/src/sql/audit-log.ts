import type { Queryable } from "@guardian/db";

/** A row of the audit log as the audit sweep reads it: an event still 'pending'. */
export interface PendingEvent {
  id: string;
  action: string;
  target: string;
  project: string | null;
  request_id: string;
  actor: string;
  at: Date;
}

/** Reads up to `limit` events pending for longer than `olderThanMs`, oldest first. */
export async function selectStalePending(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<PendingEvent[]> {
  const res = await db.query<PendingEvent>(
    `SELECT id::text, action, target, project, request_id, actor, at FROM audit_log
      WHERE result = 'pending' AND at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY at, id LIMIT $2`,
    [olderThanMs, limit],
  );
  return res.rows;
}
