import { Code, ConnectError } from "@connectrpc/connect";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../sql/audit-log.js";
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
