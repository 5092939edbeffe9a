import { auditUnwritableMessage, writeCarriedAudits } from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import type pg from "pg";
import { toRecord } from "../../archive/sql/rows.js";
import type { RevisionRecord, WriteInput, WriteResult } from "../types.js";
import { StoreError } from "../errors.js";
import { hashWriteRequest, idempotencyTtlSeconds } from "../write-rules.js";
import { createGroupQueue, type Settled } from "../group.js";
import { findRecord } from "./history.js";
import { applyGroupRows } from "./apply.js";
import { findIdempotencyMany, pruneIdempotency } from "./idempotency.js";
import { selectKvMany } from "./kv.js";
import { archiveOldLogMany } from "./log.js";
import { configId, idempotencyId, planGroup, type GroupWrite, type PlannedWrite } from "./plan.js";
import { lockStateStatement, stateOf, type StoreState } from "./state.js";

/** What the SQL write path needs. */
export interface SqlWriterOptions {
  pool: pg.Pool;
  /** Change-log records kept per config; older ones move to the archive. */
  retain: number;
  /** Send NOTIFY after each commit (PostgreSQL with LISTEN readers). */
  notify: boolean;
  /** Most writes committed in one transaction. Default 256. */
  maxGroupWrites?: number;
  /** Most value bytes committed in one transaction (a larger write goes alone). Default 4 MiB. */
  maxGroupBytes?: number;
  /**
   * Hears the records of each committed transaction, in revision order, before its writes
   * are answered: consecutive revisions, since the transaction held the revision counter.
   */
  onCommitted?(records: RevisionRecord[]): void;
}

/**
 * Creates the SQL write path, which commits concurrent writes in groups (group commit).
 * A write that arrives while no transaction is in flight commits at once; writes that arrive
 * during a transaction queue up and commit together in the next one. A group is one
 * transaction that locks the revision counter, reads the rows it touches in one statement per
 * table, checks each write in arrival order against the state the writes before it left (see
 * {@link planGroup}), and writes every value, change-log record and idempotency record with
 * one multi-row statement per table. Each write gets its own consecutive revision; a write
 * whose check fails fails alone. Records beyond the retention move to the archive in the same
 * transaction, by one statement that never reads them into this process.
 */
export function createSqlWriter(
  opts: SqlWriterOptions,
): (input: WriteInput) => Promise<WriteResult> {
  const { pool } = opts;

  // Runs one transaction and tells `onCommitted` what it wrote.
  async function commitOnce(
    writes: GroupWrite[],
    onPlanned: () => void = () => {},
  ): Promise<Settled<WriteResult>[]> {
    const outcomes = await withTransaction(
      pool,
      async (db, locked) => {
        const settled = await commitGroup(db, stateOf(locked), writes, opts);
        onPlanned();
        return settled;
      },
      { opening: lockStateStatement },
    );
    const records: RevisionRecord[] = [];
    outcomes.forEach((o, i) => {
      if (!o.ok || o.value.idempotentReplay) return;
      records.push(o.value.record);
      // The audit events went in with the changes: they are stored now.
      const audit = writes[i]!.input.audit;
      if (audit) audit.written = true;
    });
    if (records.length > 0) opts.onCommitted?.(records);
    return outcomes;
  }

  async function commit(writes: GroupWrite[]): Promise<Settled<WriteResult>[]> {
    let planned = false;
    try {
      return await commitOnce(writes, () => {
        planned = true;
      });
    } catch (err) {
      // A failed COMMIT has an unknown outcome, and a group of one has nobody else to spare.
      if (planned || writes.length === 1) throw err;
      // A statement failed, so nothing committed: retry each write alone, so that a write
      // the database refuses fails only itself.
      const outcomes: Settled<WriteResult>[] = [];
      for (const w of writes) {
        try {
          outcomes.push(...(await commitOnce([w])));
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  const enqueue = createGroupQueue<GroupWrite, WriteResult>({
    commit,
    maxItems: opts.maxGroupWrites ?? 256,
    maxBytes: opts.maxGroupBytes ?? 4 * 1024 * 1024,
    sizeOf: (w) => w.value.length,
  });

  return (input) => {
    const value = input.op === "put" ? (input.value ?? new Uint8Array()) : new Uint8Array();
    return enqueue({ input, value, hash: hashWriteRequest(input, value) });
  };
}

/**
 * Runs one group inside its transaction, which locked the revision counter (read as `state`)
 * first, and settles each of its writes.
 */
async function commitGroup(
  db: pg.PoolClient,
  state: StoreState,
  writes: GroupWrite[],
  opts: SqlWriterOptions,
): Promise<Settled<WriteResult>[]> {
  const configs = new Map(writes.map(({ input: w }) => [configId(w.project, w.key), w]));
  const kv = await selectKvMany(db, [...configs.values()]);
  const idempotency = await findIdempotencyMany(
    db,
    writes.flatMap(({ input: w }) =>
      w.idempotencyKey
        ? [{ project: w.project, configKey: w.key, idempotencyKey: w.idempotencyKey }]
        : [],
    ),
  );
  const plan = planGroup(
    writes,
    {
      revision: state.revision,
      kv: new Map(kv.map((row) => [configId(row.project, row.key), row])),
      idempotency: new Map(
        idempotency.map((r) => [idempotencyId(r.project, r.configKey, r.idempotencyKey), r]),
      ),
    },
    new Date(),
  );
  if (plan.log.length > 0) {
    const finals = [...plan.kv.entries()];
    await applyGroupRows(db, {
      log: plan.log,
      upserts: finals.flatMap(([, row]) => (row ? [row] : [])),
      deletes: finals.flatMap(([id, row]) => (row ? [] : [configs.get(id)!])),
      idempotency: plan.idempotency,
      revision: plan.revision,
      notify: opts.notify,
    });
    await writeAudits(db, writes, plan.outcomes);
    const written = [...plan.kv.keys()].map((id) => configs.get(id)!);
    await archiveOldLogMany(db, written, opts.retain);
    if (plan.revision / 256n > state.revision / 256n) {
      await pruneIdempotency(db, idempotencyTtlSeconds);
    }
  }
  const outcomes: Settled<WriteResult>[] = [];
  for (const [i, o] of plan.outcomes.entries()) {
    outcomes.push(await settle(db, writes[i]!.input, o));
  }
  return outcomes;
}

/**
 * Writes the audit events the group's changes carry (see `CarriedAudit`), in the group's
 * transaction. An event that cannot be written fails the transaction, so that nothing is
 * changed without its event.
 */
async function writeAudits(
  db: pg.PoolClient,
  writes: GroupWrite[],
  outcomes: PlannedWrite[],
): Promise<void> {
  const changes = outcomes.flatMap((o, i) => {
    const audit = writes[i]!.input.audit;
    return o.kind === "write" && audit ? [{ audit, revision: BigInt(o.row.revision) }] : [];
  });
  try {
    await writeCarriedAudits(db, changes);
  } catch (err) {
    throw new StoreError("unavailable", auditUnwritableMessage, {}, { cause: err });
  }
}

async function settle(
  db: pg.PoolClient,
  input: WriteInput,
  o: PlannedWrite,
): Promise<Settled<WriteResult>> {
  if (o.kind === "failed") return { ok: false, error: o.error };
  if (o.kind === "write") {
    const record = toRecord(o.row);
    return { ok: true, value: { revision: record.revision, record, idempotentReplay: false } };
  }
  const record = o.row
    ? toRecord(o.row)
    : await findRecord(db, input.project, o.configKey, o.revision);
  if (!record) {
    return {
      ok: false,
      error: new Error(`revision ${o.revision} of an idempotent write is missing`),
    };
  }
  return { ok: true, value: { revision: o.revision, record, idempotentReplay: true } };
}
