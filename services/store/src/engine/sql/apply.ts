import type { Queryable } from "@guardian/db";
import { recordColumns as logColumns } from "../../archive/sql/rows.js";
import type { IdempotencyRecord } from "./idempotency.js";
import { notifyChannel } from "./log.js";
import { columnArrays, kvColumns, type KvRow, type LogRow } from "./rows.js";

/** Everything one group of writes changes, as rows. */
export interface GroupRows {
  /** New change-log records. */
  log: LogRow[];
  /** The final rows of configs that exist after the group (one per config). */
  upserts: KvRow[];
  /** Configs that end the group deleted (disjoint from `upserts`). */
  deletes: { project: string; key: string }[];
  idempotency: IdempotencyRecord[];
  /** The revision counter after the group. */
  revision: bigint;
  /** Also signal LISTEN readers that `revision` committed. */
  notify: boolean;
}

/**
 * Writes a group's change-log records, current values, deletions, idempotency records and
 * revision counter in ONE statement (data-modifying CTEs over `unnest` arrays), so the group
 * costs one round trip however many writes it holds. The CTEs touch disjoint rows: a config is
 * either upserted or deleted. Run it in the transaction that holds the revision lock.
 */
export async function applyGroupRows(db: Queryable, g: GroupRows): Promise<void> {
  const records = columnArrays(logColumns, g.log);
  const values = columnArrays(kvColumns, g.upserts);
  const params = [
    ...records,
    ...values,
    g.deletes.map((d) => d.project),
    g.deletes.map((d) => d.key),
    g.idempotency.map((r) => r.project),
    g.idempotency.map((r) => r.idempotencyKey),
    g.idempotency.map((r) => r.requestHash),
    g.idempotency.map((r) => r.revision.toString()),
    g.idempotency.map((r) => r.configKey),
    g.revision.toString(),
    g.notify,
    notifyChannel,
  ];
  await db.query({
    name: "store_apply_group",
    text: `WITH log AS (
       INSERT INTO store_log (${logColumns})
       SELECT * FROM unnest(
         $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[],
         $7::bytea[], $8::boolean[], $9::text[], $10::text[], $11::text[], $12::text[],
         $13::integer[], $14::integer[], $15::bigint[], $16::jsonb[], $17::timestamptz[],
         $18::text[], $19::timestamptz[])
     ), upserted AS (
       INSERT INTO store_kv (${kvColumns})
       SELECT * FROM unnest(
         $20::text[], $21::text[], $22::bytea[], $23::bigint[], $24::bigint[], $25::text[],
         $26::text[], $27::text[], $28::text[], $29::text[], $30::integer[], $31::integer[],
         $32::bigint[], $33::jsonb[], $34::timestamptz[], $35::text[], $36::timestamptz[])
       ON CONFLICT (project, key) DO UPDATE SET
         value = EXCLUDED.value, version = EXCLUDED.version,
         create_revision = EXCLUDED.create_revision, change_type = EXCLUDED.change_type,
         author = EXCLUDED.author, message = EXCLUDED.message, request_id = EXCLUDED.request_id,
         schema_name = EXCLUDED.schema_name, schema_version = EXCLUDED.schema_version,
         validated_schema_version = EXCLUDED.validated_schema_version,
         rolled_back_from = EXCLUDED.rolled_back_from, labels = EXCLUDED.labels,
         updated_at = EXCLUDED.updated_at, created_by = EXCLUDED.created_by,
         created_at = EXCLUDED.created_at
     ), deleted AS (
       DELETE FROM store_kv
        WHERE (project, key) IN (SELECT * FROM unnest($37::text[], $38::text[]))
     ), idempotency AS (
       INSERT INTO store_idempotency (project, idempotency_key, request_hash, revision, config_key)
       SELECT * FROM unnest($39::text[], $40::text[], $41::text[], $42::bigint[], $43::text[])
     ), state AS (
       UPDATE store_state SET revision = $44::bigint WHERE id = 1
     )
     SELECT pg_notify($46::text, $44::bigint::text) WHERE $45::boolean`,
    values: params,
  });
}
