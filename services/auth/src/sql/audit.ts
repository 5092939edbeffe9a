import type { Queryable } from "@guardian/db";

/** A row of `audit_log`. */
export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_kind: string;
  action: string;
  target: string;
  project: string | null;
  request_id: string;
  result: string;
  error_code: string;
  detail: Record<string, unknown>;
  remote_address: string;
}

/** Selects audit events; empty or unset fields match everything. */
export interface AuditQuery {
  actor?: string;
  /** Exact action, or a prefix when `actionPrefix`. */
  action?: string;
  actionPrefix?: boolean;
  target?: string;
  targetPrefix?: boolean;
  project?: string;
  result?: string;
  startTime?: Date;
  endTime?: Date;
  /** Only events with a smaller id (the previous page's last). */
  beforeId?: string;
  limit: number;
}

function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Lists audit events newest first. */
export async function listAuditEvents(db: Queryable, q: AuditQuery): Promise<AuditRow[]> {
  const res = await db.query<AuditRow>(
    `SELECT id::text, at, actor, actor_kind, action, target, project, request_id, result,
            error_code, detail, remote_address
       FROM audit_log
      WHERE ($1::text IS NULL OR actor = $1)
        AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR action LIKE $3)
        AND ($4::text IS NULL OR target = $4) AND ($5::text IS NULL OR target LIKE $5)
        AND ($6::text IS NULL OR project = $6)
        AND ($7::text IS NULL OR result = $7)
        AND ($8::timestamptz IS NULL OR at >= $8)
        AND ($9::timestamptz IS NULL OR at < $9)
        AND ($10::bigint IS NULL OR id < $10)
      ORDER BY audit_log.id DESC LIMIT $11`,
    [
      q.actor || null,
      q.action && !q.actionPrefix ? q.action : null,
      q.action && q.actionPrefix ? likePrefix(q.action) : null,
      q.target && !q.targetPrefix ? q.target : null,
      q.target && q.targetPrefix ? likePrefix(q.target) : null,
      q.project || null,
      q.result || null,
      q.startTime ?? null,
      q.endTime ?? null,
      q.beforeId ?? null,
      q.limit,
    ],
  );
  return res.rows;
}
