import type { Queryable } from "@guardian/db";
import type { Principal } from "@guardian/kit";
import { cut, detailText, maxIndexedLength, maxTargetLength, storable } from "./audit-values.js";

/** The outcome of an audited action, as stored (see guardian.auth.v1.AuditResult). */
export type AuditResultName = "ok" | "denied" | "failed" | "pending";

/** The kind of the actor, as stored; empty for unauthenticated callers. */
export type AuditActorKind = Exclude<Principal["kind"], "anonymous"> | "";

/** One audit event to write. Never put secrets, passwords, tokens or config content in it. */
export interface AuditEventInit {
  /** Who acted: a username, `apikey:<id>`, or empty for unauthenticated callers. */
  actor: string;
  actorKind: AuditActorKind;
  /** The procedure without its leading slash, or `auth.<event>` for other events. */
  action: string;
  /** The resource acted on, for example `users/ada` or `projects/payments/apikeys/ak_1`. */
  target?: string;
  /** The project of the target; empty or unset for global resources. */
  project?: string;
  requestId?: string;
  result: AuditResultName;
  /** For failed or denied actions: the Connect code name, for example `permission_denied`. */
  errorCode?: string;
  /** Action-specific facts, for example `{ role: "ROLE_EDITOR" }`. */
  detail?: Record<string, unknown>;
  /**
   * The client's address as the server resolved it (`remoteAddressKey`): the peer, or the
   * x-forwarded-for entry of the outermost trusted proxy (GUARDIAN_TRUSTED_PROXY_HOPS).
   */
  remoteAddress?: string;
}

/**
 * Writes one audit event and returns its id. Pass the transaction's client to make the event
 * part of a mutation, so that either both are stored or neither is.
 */
export async function recordAudit(db: Queryable, init: AuditEventInit): Promise<string> {
  const event = storable(init);
  const res = await db.query<{ id: string }>(
    `INSERT INTO audit_log
       (actor, actor_kind, action, target, project, request_id, result, error_code, detail, remote_address)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING id::text`,
    [
      event.actor,
      event.actorKind,
      event.action,
      event.target ?? "",
      event.project || null,
      event.requestId ?? "",
      event.result,
      event.errorCode ?? "",
      detailText(event.detail),
      event.remoteAddress ?? "",
    ],
  );
  return res.rows[0]!.id;
}

/**
 * Writes many audit events in ONE statement and returns their ids in the order given. Either
 * every event is stored or none is.
 */
export async function recordAuditEvents(
  db: Queryable,
  events: readonly AuditEventInit[],
): Promise<string[]> {
  const bounded = events.map(storable);
  const column = <T>(pick: (e: AuditEventInit) => T) => bounded.map(pick);
  // The ids are drawn before the insert so that each comes back with its input's position.
  const res = await db.query<{ id: string }>({
    name: "audit_record_events",
    text: `WITH input AS (
       SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id, t.*
         FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                 WITH ORDINALITY AS u(actor, actor_kind, action, target, project, request_id,
                                      result, error_code, detail, remote_address, n)
                ORDER BY n) t
     ), written AS (
       INSERT INTO audit_log (id, actor, actor_kind, action, target, project, request_id,
                              result, error_code, detail, remote_address)
       SELECT id, actor, actor_kind, action, target, project, request_id, result, error_code,
              detail::jsonb, remote_address FROM input
     )
     SELECT id::text FROM input ORDER BY n`,
    values: [
      column((e) => e.actor),
      column((e) => e.actorKind),
      column((e) => e.action),
      column((e) => e.target ?? ""),
      column((e) => e.project || null),
      column((e) => e.requestId ?? ""),
      column((e) => e.result),
      column((e) => e.errorCode ?? ""),
      column((e) => detailText(e.detail)),
      column((e) => e.remoteAddress ?? ""),
    ],
  });
  return res.rows.map((r) => r.id);
}

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

/**
 * Sets the result of one audit event that is still pending, and its target when the action
 * learned it while running; false when the event was not pending.
 */
export async function settleAuditEvent(
  db: Queryable,
  id: string,
  s: {
    result: string;
    errorCode: string;
    detail: Record<string, unknown>;
    target?: string | undefined;
    project?: string | undefined;
  },
): Promise<boolean> {
  const res = await db.query(
    `UPDATE audit_log SET result = $2, error_code = $3, detail = detail || $4::jsonb,
            target = COALESCE($5, target), project = COALESCE(NULLIF($6, ''), project)
      WHERE id = $1 AND result = 'pending'`,
    [
      id,
      s.result,
      s.errorCode,
      detailText(s.detail),
      s.target === undefined ? null : cut(s.target, maxTargetLength),
      s.project === undefined ? null : cut(s.project, maxIndexedLength),
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/** The outcome of one pending audit event, as {@link settleAuditEvents} writes it. */
export interface AuditEventSettlement {
  id: string;
  result: string;
  errorCode: string;
  detail: Record<string, unknown>;
  target?: string | undefined;
  project?: string | undefined;
}

/**
 * Settles many pending audit events in ONE statement (see {@link settleAuditEvent}) and
 * returns the ids of those that were still pending.
 */
export async function settleAuditEvents(
  db: Queryable,
  settlements: readonly AuditEventSettlement[],
): Promise<Set<string>> {
  const column = <T>(pick: (s: AuditEventSettlement) => T) => settlements.map(pick);
  const res = await db.query<{ id: string }>({
    name: "audit_settle_events",
    text: `UPDATE audit_log a SET result = u.result, error_code = u.error_code,
            detail = a.detail || u.detail::jsonb, target = COALESCE(u.target, a.target),
            project = COALESCE(NULLIF(u.project, ''), a.project)
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS u(id, result, error_code, detail, target, project)
      WHERE a.id = u.id AND a.result = 'pending'
      RETURNING a.id::text`,
    values: [
      column((s) => s.id),
      column((s) => s.result),
      column((s) => s.errorCode),
      column((s) => detailText(s.detail)),
      column((s) => (s.target === undefined ? null : cut(s.target, maxTargetLength))),
      column((s) => (s.project === undefined ? null : cut(s.project, maxIndexedLength))),
    ],
  });
  return new Set(res.rows.map((r) => r.id));
}

/** Sets the `count` in the detail of an aggregated event. */
export async function setAuditCount(db: Queryable, id: string, count: number): Promise<void> {
  await db.query(
    `UPDATE audit_log SET detail = jsonb_set(detail, '{count}', to_jsonb($2::int)) WHERE id = $1`,
    [id, count],
  );
}

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

/**
 * Deletes up to `limit` of the oldest audit events older than `keepMs`, never one still
 * 'pending' (its outcome is not settled yet); returns how many.
 */
export async function deleteOldAuditEvents(
  db: Queryable,
  keepMs: number,
  limit: number,
): Promise<number> {
  const r = await db.query(
    `DELETE FROM audit_log WHERE id IN (
       SELECT id FROM audit_log
        WHERE at < now() - make_interval(secs => $1::double precision / 1000)
          AND result <> 'pending'
        ORDER BY at, id LIMIT $2)`,
    [keepMs, limit],
  );
  return r.rowCount ?? 0;
}
