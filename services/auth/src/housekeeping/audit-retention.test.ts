import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { createAuditRetentionJob } from "./audit-retention.js";

const db = useTestDatabase();
const day = 86_400_000;

/** Writes an audit event `days` old with `result`; returns its action (unique per event). */
async function event(days: number, result = "ok"): Promise<string> {
  const action = `test.${days}.${result}.${Math.random().toString(36).slice(2)}`;
  await db.pool().query(
    `INSERT INTO audit_log (at, actor, actor_kind, action, result)
     VALUES (now() - $1 * interval '1 day', 'ada', 'user', $2, $3)`,
    [days, action, result],
  );
  return action;
}

const actions = async () =>
  (await db.pool().query<{ action: string }>("SELECT action FROM audit_log ORDER BY action")).rows
    .map((r) => r.action)
    .sort();

const job = (opts: { pool?: pg.Pool; batchSize?: number; keepDays?: number } = {}) =>
  createAuditRetentionJob({
    pool: opts.pool ?? db.pool(),
    settings: { auditRetention: (opts.keepDays ?? 365) * day },
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
const run = (j: ReturnType<typeof job>, signal = new AbortController().signal) => j.run({ signal });

describe("audit retention job", () => {
  it("deletes settled events older than the retention, never pending ones", async () => {
    await db.pool().query("DELETE FROM audit_log");
    const young = await event(364);
    const old = await event(366, "denied");
    const older = await event(800, "failed");
    const oldPending = await event(900, "pending");
    expect(await run(job())).toEqual({ deleted: 2 });
    expect(await actions()).toEqual([young, oldPending].sort());
    expect(await actions()).not.toContain(old);
    expect(await actions()).not.toContain(older);
    expect(await run(job())).toEqual({ deleted: 0 });
  });

  it("keeps every event when the retention is 0", async () => {
    await db.pool().query("DELETE FROM audit_log");
    const a = await event(5_000);
    expect(await run(job({ keepDays: 0 }))).toEqual({ deleted: 0 });
    expect(await actions()).toEqual([a]);
  });

  it("stops between batches when its signal aborts, and finishes on the next run", async () => {
    await db.pool().query("DELETE FROM audit_log");
    for (let i = 0; i < 5; i++) await event(400 + i);
    const ac = new AbortController();
    let queries = 0;
    const real = db.pool();
    const pool = {
      query: (...args: Parameters<pg.Pool["query"]>) => {
        if (++queries === 2) ac.abort();
        return real.query(...args);
      },
    } as unknown as pg.Pool;
    expect(await run(job({ pool, batchSize: 2 }), ac.signal)).toEqual({
      deleted: 4,
      aborted: true,
    });
    expect(await run(job({ batchSize: 2 }))).toEqual({ deleted: 1 });
    expect(await actions()).toEqual([]);
  });
});
