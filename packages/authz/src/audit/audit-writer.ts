import type { Queryable } from "@guardian/db";
import {
  recordAuditEvents,
  settleAuditEvents,
  type AuditEventInit,
  type AuditEventSettlement,
} from "../sql/audit-log.js";
import { createBatcher, eachAloneOnFailure, type Batcher } from "./batcher.js";

/** Writes the pending events of audited mutations and settles them, batched per database. */
export interface AuditWriter {
  /** Stores one event and resolves with its id once it is durable; rejects when it is not. */
  begin(event: AuditEventInit): Promise<string>;
  /** Settles one pending event; resolves false when it was no longer pending. */
  settle(settlement: AuditEventSettlement): Promise<boolean>;
  /**
   * Stores one event that is already settled (the outcome of a mutation that changed nothing,
   * or whose change wrote its event itself) and resolves with its id.
   */
  record(event: AuditEventInit): Promise<string>;
}

/** The most events one statement writes or settles. */
const maxBatch = 500;

const writers = new WeakMap<Queryable, AuditWriter>();

/**
 * Returns the audit writer of a pool, one per pool. The pending events of concurrent
 * mutations are inserted by one multi-row statement, and their settlements are written by
 * another, so that auditing costs a write about two shared round trips instead of two of its
 * own. A checked-out client (a transaction) is written to directly, never batched.
 */
export function auditWriterFor(db: Queryable): AuditWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = "release" in db ? createDirectWriter(db) : createBatchedWriter(db);
    writers.set(db, writer);
  }
  return writer;
}

function createBatchedWriter(db: Queryable): AuditWriter {
  // Pending events and settled ones are both inserts: they share the statements.
  const inserts: Batcher<AuditEventInit, string> = createBatcher(
    (events) => eachAloneOnFailure(events, (some) => recordAuditEvents(db, some), refusedData),
    { maxItems: maxBatch },
  );
  const settles: Batcher<AuditEventSettlement, boolean> = createBatcher(
    (all) =>
      eachAloneOnFailure(
        all,
        async (some) => {
          const settled = await settleAuditEvents(db, some);
          return some.map((s) => settled.has(s.id));
        },
        refusedData,
      ),
    { maxItems: maxBatch },
  );
  return {
    begin: (event) => inserts.add(event),
    settle: (s) => settles.add(s),
    record: (event) => inserts.add(event),
  };
}

/**
 * Whether PostgreSQL refused the data of a statement (SQLSTATE class 22, data exception, or
 * 23, integrity constraint violation), which one event of a batch can cause on its own.
 */
function refusedData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

function createDirectWriter(db: Queryable): AuditWriter {
  return {
    begin: async (event) => (await recordAuditEvents(db, [event]))[0]!,
    settle: async (s) => (await settleAuditEvents(db, [s])).has(s.id),
    record: async (event) => (await recordAuditEvents(db, [event]))[0]!,
  };
}
