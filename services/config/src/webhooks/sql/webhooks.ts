import type { Queryable } from "@guardian/db";

/** A `webhooks` row as `pg` returns it. */
export interface WebhookRow {
  id: string;
  project: string;
  url: string;
  secret: string;
  key_prefix: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string;
  consecutive_failures: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const columns =
  "id, project, url, secret, key_prefix, event_types, enabled, disabled_reason, " +
  "consecutive_failures, created_by, created_at, updated_at";

/** Inserts a webhook and returns it. */
export async function insertWebhook(
  db: Queryable,
  w: Pick<
    WebhookRow,
    "id" | "project" | "url" | "secret" | "key_prefix" | "event_types" | "created_by"
  >,
): Promise<WebhookRow> {
  const r = await db.query<WebhookRow>(
    `INSERT INTO webhooks (id, project, url, secret, key_prefix, event_types, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
    [w.id, w.project, w.url, w.secret, w.key_prefix, w.event_types, w.created_by],
  );
  return r.rows[0]!;
}

/**
 * How many webhooks a project has, counted under a lock on the project's webhooks held to the
 * end of the transaction `db` runs, so that concurrent creations count one after another.
 */
export async function countWebhooksLocked(db: Queryable, project: string): Promise<number> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('guardian.webhooks:' || $1))`, [project]);
  const r = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM webhooks WHERE project = $1",
    [project],
  );
  return r.rows[0]!.n;
}

/** Reads one webhook of a project, optionally locking it. */
export async function selectWebhook(
  db: Queryable,
  project: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<WebhookRow | undefined> {
  const r = await db.query<WebhookRow>(
    `SELECT ${columns} FROM webhooks WHERE project = $1 AND id = $2
     ${opts.forUpdate ? "FOR UPDATE" : ""}`,
    [project, id],
  );
  return r.rows[0];
}

/** Lists a project's webhooks in id order, after id `after` when given. */
export async function listWebhooks(
  db: Queryable,
  project: string,
  after: string | undefined,
  limit: number,
): Promise<WebhookRow[]> {
  const r = await db.query<WebhookRow>(
    `SELECT ${columns} FROM webhooks
      WHERE project = $1 AND ($2::uuid IS NULL OR id > $2::uuid)
      ORDER BY id LIMIT $3`,
    [project, after ?? null, limit],
  );
  return r.rows;
}

/** The fields UpdateWebhook may change; absent ones stay. */
export interface WebhookChanges {
  url?: string;
  key_prefix?: string;
  event_types?: string[];
  enabled?: boolean;
  disabled_reason?: string;
  secret?: string;
}

/** Changes a webhook; enabling clears the failure count. Returns the row after the change. */
export async function updateWebhook(
  db: Queryable,
  project: string,
  id: string,
  c: WebhookChanges,
): Promise<WebhookRow | undefined> {
  const r = await db.query<WebhookRow>(
    `UPDATE webhooks SET
       url = coalesce($3, url),
       key_prefix = coalesce($4, key_prefix),
       event_types = coalesce($5, event_types),
       enabled = coalesce($6, enabled),
       disabled_reason = coalesce($7, disabled_reason),
       consecutive_failures = CASE WHEN $6 THEN 0 ELSE consecutive_failures END,
       secret = coalesce($8, secret),
       updated_at = now()
     WHERE project = $1 AND id = $2 RETURNING ${columns}`,
    [
      project,
      id,
      c.url ?? null,
      c.key_prefix ?? null,
      c.event_types ?? null,
      c.enabled ?? null,
      c.disabled_reason ?? null,
      c.secret ?? null,
    ],
  );
  return r.rows[0];
}

/** Deletes a webhook (its deliveries go with it). True when it existed. */
export async function deleteWebhook(db: Queryable, project: string, id: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM webhooks WHERE project = $1 AND id = $2`, [project, id]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Counts one attempt in the webhook's failure streak: a success resets it; a failure adds
 * one and disables the webhook with `reason` when the streak reaches `threshold`. Returns
 * whether this call disabled it.
 */
export async function recordWebhookOutcome(
  db: Queryable,
  id: string,
  ok: boolean,
  threshold: number,
  reason: string,
): Promise<boolean> {
  if (ok) {
    await db.query(
      `UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0`,
      [id],
    );
    return false;
  }
  const r = await db.query<{ disabled: boolean }>(
    `UPDATE webhooks w SET consecutive_failures = w.consecutive_failures + 1,
       enabled = w.enabled AND w.consecutive_failures + 1 < $2,
       disabled_reason = CASE WHEN w.enabled AND w.consecutive_failures + 1 >= $2 THEN $3
                              ELSE w.disabled_reason END,
       updated_at = CASE WHEN w.enabled AND w.consecutive_failures + 1 >= $2 THEN now()
                         ELSE w.updated_at END
      FROM (SELECT enabled AS was FROM webhooks WHERE id = $1 FOR UPDATE) o
     WHERE w.id = $1
     RETURNING (o.was AND NOT w.enabled) AS disabled`,
    [id, threshold, reason],
  );
  return r.rows[0]?.disabled ?? false;
}

/** The filters of a project's enabled webhooks, for the fan-out. */
export async function selectEnabledWebhooks(
  db: Queryable,
  projects: string[],
): Promise<Pick<WebhookRow, "id" | "project" | "key_prefix" | "event_types">[]> {
  const r = await db.query<Pick<WebhookRow, "id" | "project" | "key_prefix" | "event_types">>(
    `SELECT id, project, key_prefix, event_types FROM webhooks
      WHERE enabled AND project = ANY ($1::text[])`,
    [projects],
  );
  return r.rows;
}
