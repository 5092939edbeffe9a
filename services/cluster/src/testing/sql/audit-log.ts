import type { Queryable } from "@guardian/db";

/** One audit event as the cluster tests check it. */
export interface AuditRow {
  action: string;
  result: string;
  target: string;
  actor: string;
  error_code: string;
  detail: Record<string, unknown>;
}

/** The audit events of the cluster service's procedures, oldest first. */
export async function clusterAuditEvents(db: Queryable): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT action, result, target, actor, error_code, detail FROM audit_log
     WHERE action LIKE 'guardian.cluster.v1.ClusterService/%' ORDER BY id`,
  );
  return rows;
}
