import { withTransaction } from "@guardian/db";
import type pg from "pg";
import { createSqlArchive } from "../../archive/sql-archive.js";
import { toRecord } from "../../archive/sql/rows.js";
import type { WriteInput, WriteResult } from "../types.js";
import {
  changeKindOf,
  checkIdempotentReplay,
  checkWritePreconditions,
  hashWriteRequest,
  idempotencyTtlSeconds,
} from "../write-rules.js";
import { findRecord } from "./history.js";
import { findIdempotency, insertIdempotency, pruneIdempotency } from "./idempotency.js";
import { deleteKv, selectKv, upsertKv } from "./kv.js";
import { deleteOldLog, insertLog, notifyCommitted } from "./log.js";
import type { LogRow } from "./rows.js";
import { lockState, raiseCompactRevision, setRevision } from "./state.js";

/** What the SQL write path needs. */
export interface SqlWriterOptions {
  pool: pg.Pool;
  /** Change-log records kept per config; older ones move to the archive. */
  retain: number;
  /** Send NOTIFY after each write (PostgreSQL with LISTEN readers). */
  notify: boolean;
}

/**
 * Creates the SQL write path. Each write is one transaction that serializes on the revision
 * counter, compares the version, and writes the value, the change-log record and the
 * idempotency record together; records beyond the retention move to the archive in it too.
 */
export function createSqlWriter(
  opts: SqlWriterOptions,
): (input: WriteInput) => Promise<WriteResult> {
  const { pool, retain } = opts;
  return (input) => {
    const value = input.op === "put" ? (input.value ?? new Uint8Array()) : new Uint8Array();
    const requestHash = hashWriteRequest(input, value);
    return withTransaction(pool, async (db) => {
      const state = await lockState(db);
      if (input.idempotencyKey) {
        const seen = await findIdempotency(db, input.project, input.key, input.idempotencyKey);
        if (seen) {
          checkIdempotentReplay(input, seen.requestHash, requestHash);
          const record = await findRecord(db, input.project, seen.configKey, seen.revision);
          if (!record)
            throw new Error(`revision ${seen.revision} of an idempotent write is missing`);
          return { revision: seen.revision, record, idempotentReplay: true };
        }
      }
      const current = await selectKv(db, input.project, input.key);
      checkWritePreconditions(input, current ? BigInt(current.version) : 0n);
      const revision = state.revision + 1n;
      const now = new Date();
      const row: LogRow = {
        revision: revision.toString(),
        project: input.project,
        key: input.key,
        create_revision: current ? current.create_revision : revision.toString(),
        previous_revision: current ? current.version : "0",
        change_type: changeKindOf(input, current !== undefined),
        value: Buffer.from(value),
        deleted: input.op === "delete",
        author: input.meta.author,
        message: input.meta.message,
        request_id: input.meta.requestId,
        schema_name: input.meta.schema,
        schema_version: input.meta.schemaVersion,
        validated_schema_version: input.meta.validatedSchemaVersion,
        rolled_back_from: input.meta.rolledBackFrom.toString(),
        labels: input.meta.labels,
        created_at: now,
      };
      await insertLog(db, row);
      if (input.op === "delete") {
        await deleteKv(db, input.project, input.key);
      } else {
        await upsertKv(db, {
          ...row,
          version: row.revision,
          updated_at: now,
          created_by: current ? current.created_by : row.author,
          created_at: current ? current.created_at : now,
        });
      }
      await setRevision(db, revision);
      if (input.idempotencyKey) {
        await insertIdempotency(db, {
          project: input.project,
          idempotencyKey: input.idempotencyKey,
          requestHash,
          revision,
          configKey: input.key,
        });
      }
      const moved = (await deleteOldLog(db, input.project, input.key, retain)).map(toRecord);
      if (moved.length > 0) {
        await createSqlArchive(db).insert(moved);
        await raiseCompactRevision(
          db,
          moved.reduce((m, r) => (r.revision > m ? r.revision : m), 0n),
        );
      }
      if (revision % 256n === 0n) await pruneIdempotency(db, idempotencyTtlSeconds);
      if (opts.notify) await notifyCommitted(db, revision);
      return { revision, record: toRecord(row), idempotentReplay: false };
    });
  };
}
