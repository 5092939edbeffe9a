import { Code, ConnectError } from "@connectrpc/connect";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit, recordAuditEvents, settleAuditEvent } from "../sql/audit-log.js";
import { createFailureAudit } from "./failure-audit.js";
import { auditOutcome } from "./record.js";

const db = useTestDatabase();

beforeAll(() => {
  // The database is dropped WITH (FORCE) after the file; closing connections may report it.
  db.pool().on("error", () => {});
});

const event = {
  actor: "ada",
  actorKind: "user" as const,
  action: "guardian.config.v1.ConfigService/CreateProject",
  requestId: "req-1",
};

describe("recordAudit", () => {
  it("writes every field and returns the event id", async () => {
    const id = await recordAudit(db.pool(), {
      ...event,
      action: "auth.test_event",
      target: "projects/payments",
      project: "payments",
      result: "denied",
      errorCode: "permission_denied",
      detail: { reason: "because" },
      remoteAddress: "10.0.0.1",
    });
    expect(id).toMatch(/^\d+$/);
    const res = await db.pool().query(`SELECT * FROM audit_log WHERE id = $1`, [id]);
    expect(res.rows[0]).toMatchObject({
      actor: "ada",
      actor_kind: "user",
      action: "auth.test_event",
      target: "projects/payments",
      project: "payments",
      request_id: "req-1",
      result: "denied",
      error_code: "permission_denied",
      detail: { reason: "because" },
      remote_address: "10.0.0.1",
    });
  });

  it("stores an event whose project, target or actor is longer than an index row, cut", async () => {
    // A denied call's project comes from the request before any check of its length.
    const long = "p".repeat(900_000);
    const id = await recordAudit(db.pool(), {
      ...event,
      actor: `apikey:${"a".repeat(5_000)}`,
      project: long,
      target: `projects/${long}/configs/x`,
      result: "denied",
    });
    const res = await db.pool().query(`SELECT * FROM audit_log WHERE id = $1`, [id]);
    const row = res.rows[0] as { actor: string; project: string; target: string };
    // Each ends in a mark of its full length, the whole as long as the longest stored.
    expect(row.project).toBe(`${"p".repeat(235)}… (900000 characters)`);
    expect(row.target).toBe(`projects/${"p".repeat(994)}… (900019 characters)`);
    expect(row.actor).toBe(`apikey:${"a".repeat(230)}… (5007 characters)`);
    // Never cut inside a surrogate pair.
    const emoji = await recordAudit(db.pool(), {
      ...event,
      // 257 units: the pair would straddle the cut, at unit 238 of 256 less the mark's 18.
      project: `${"p".repeat(237)}😀${"p".repeat(18)}`,
      result: "denied",
    });
    const cut = await db.pool().query(`SELECT project FROM audit_log WHERE id = $1`, [emoji]);
    expect(cut.rows[0].project).toBe(`${"p".repeat(237)}… (257 characters)`);
  });

  it("writes a batch holding an over-long event whole, the others untouched", async () => {
    const ids = await recordAuditEvents(db.pool(), [
      { ...event, project: "payments", result: "ok" },
      { ...event, project: "x".repeat(100_000), result: "denied" },
    ]);
    const res = await db
      .pool()
      .query(`SELECT project FROM audit_log WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
    expect(res.rows.map((r: { project: string }) => r.project.slice(0, 10))).toEqual([
      "payments",
      "xxxxxxxxxx",
    ]);
  });

  it("aggregates failures of an over-long actor under the stored, cut actor", async () => {
    const failures = createFailureAudit({ db: db.pool(), windowMs: 60_000 });
    const actor = "u".repeat(1_000_000);
    const failure = { ...event, actor, action: "auth.long_actor", errorCode: "unauthenticated" };
    await failures.record(failure);
    await failures.record(failure);
    await failures.close();
    const res = await db
      .pool()
      .query(`SELECT actor, detail FROM audit_log WHERE action = 'auth.long_actor'`);
    expect(res.rows).toEqual([
      {
        actor: `${"u".repeat(234)}… (1000000 characters)`,
        detail: expect.objectContaining({ count: 2 }),
      },
    ]);
  });

  it("stores a detail holding half of a surrogate pair (a cut name), with U+FFFD", async () => {
    // jsonb refuses a lone surrogate's escape: the whole insert failed.
    const cut = "ada😀".slice(0, 4);
    const id = await recordAudit(db.pool(), {
      ...event,
      result: "denied",
      detail: { reason: `username "${cut}" is not valid`, [cut]: [cut] },
    });
    const res = await db.pool().query(`SELECT detail FROM audit_log WHERE id = $1`, [id]);
    expect(res.rows[0].detail).toEqual({
      reason: `username "ada\uFFFD" is not valid`,
      "ada\uFFFD": ["ada\uFFFD"],
    });
    const pending = await recordAudit(db.pool(), { ...event, result: "pending" });
    const settled = await settleAuditEvent(db.pool(), pending, {
      result: "failed",
      errorCode: "internal",
      detail: { note: cut },
      project: "q".repeat(10_000),
    });
    expect(settled).toBe(true);
    const row = await db
      .pool()
      .query(`SELECT detail, project FROM audit_log WHERE id = $1`, [pending]);
    expect(row.rows[0].detail).toEqual({ note: "ada\uFFFD" });
    expect(row.rows[0].project).toMatch(/… \(10000 characters\)$/);
  });

  it("stores an empty project as NULL (a global resource)", async () => {
    const id = await recordAudit(db.pool(), { ...event, action: "auth.global", result: "ok" });
    const res = await db.pool().query(`SELECT project FROM audit_log WHERE id = $1`, [id]);
    expect(res.rows[0].project).toBeNull();
  });
});

describe("auditOutcome", () => {
  it("calls Unauthenticated and PermissionDenied denials and everything else failures", () => {
    expect(auditOutcome(new ConnectError("x", Code.PermissionDenied))).toEqual({
      result: "denied",
      errorCode: "permission_denied",
    });
    expect(auditOutcome(new ConnectError("x", Code.Unauthenticated)).result).toBe("denied");
    expect(auditOutcome(new Error("boom"))).toEqual({ result: "failed", errorCode: "internal" });
  });
});
