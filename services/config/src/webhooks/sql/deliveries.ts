import type { Queryable } from "@guardian/db";

/** A `webhook_deliveries` row as `pg` returns it. */
export interface DeliveryRow {
  id: string;
  seq: string;
  webhook_id: string;
  event_id: string;
  revision: string;
  event_type: string;
  key: string;
  event: Record<string, unknown>;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  last_http_status: number;
  last_latency_ms: number;
  last_error: string;
  created_at: Date;
  last_attempt_at: Date | null;
}

const columns =
  "id, seq, webhook_id, event_id, revision, event_type, key, event, status, attempts, " +
  "last_http_status, last_latency_ms, last_error, created_at, last_attempt_at";

/** A delivery to insert. */
export type NewDelivery = Pick<
  DeliveryRow,
  "id" | "webhook_id" | "event_id" | "revision" | "event_type" | "key" | "event"
>;

/**
 * Inserts deliveries in one statement; one that exists already (same webhook and event) is
 * left as it is. Returns the ids of the rows that are new.
 */
export async function insertDeliveries(db: Queryable, rows: NewDelivery[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const col = <T>(f: (r: NewDelivery) => T) => rows.map(f);
  const r = await db.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, webhook_id, event_id, revision, event_type, key, event)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[],
                          $6::text[], $7::jsonb[])
     ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id`,
    [
      col((d) => d.id),
      col((d) => d.webhook_id),
      col((d) => d.event_id),
      col((d) => d.revision),
      col((d) => d.event_type),
      col((d) => d.key),
      col((d) => JSON.stringify(d.event)),
    ],
  );
  return r.rows.map((x) => x.id);
}

/** A delivery with what an attempt needs of its webhook. */
export interface DeliveryTarget extends DeliveryRow {
  url: string;
  secret: string;
  enabled: boolean;
}

/** Reads a delivery and its webhook's target, locking nothing. */
export async function selectDeliveryTarget(
  db: Queryable,
  id: string,
): Promise<DeliveryTarget | undefined> {
  const r = await db.query<DeliveryTarget>(
    `SELECT ${columns.replace(/(^|, )/g, "$1d.")}, w.url, w.secret, w.enabled
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.id = $1`,
    [id],
  );
  return r.rows[0];
}

/** Records one attempt's outcome in the delivery log. */
export async function recordDeliveryAttempt(
  db: Queryable,
  id: string,
  a: { status: DeliveryRow["status"]; httpStatus: number; latencyMs: number; error: string },
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_http_status = $3,
       last_latency_ms = $4, last_error = $5, last_attempt_at = now()
     WHERE id = $1`,
    [id, a.status, a.httpStatus, a.latencyMs, a.error],
  );
}

/** Marks a delivery failed without an attempt (its webhook is disabled). */
export async function failDelivery(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = $2 WHERE id = $1`, [
    id,
    error,
  ]);
}

/** Lists a webhook's deliveries, newest first, below `before` (a seq) when given. */
export async function listDeliveries(
  db: Queryable,
  webhookId: string,
  before: bigint | undefined,
  limit: number,
): Promise<DeliveryRow[]> {
  const r = await db.query<DeliveryRow>(
    `SELECT ${columns} FROM webhook_deliveries
      WHERE webhook_id = $1 AND ($2::bigint IS NULL OR seq < $2)
      ORDER BY seq DESC LIMIT $3`,
    [webhookId, before?.toString() ?? null, limit],
  );
  return r.rows;
}
