import { Code, ConnectError } from "@connectrpc/connect";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../sql/audit-log.js";
import { auditOutcome, withAudit } from "./record.js";

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

async function auditRows(action: string) {
  const res = await db.pool().query(
    `SELECT actor, actor_kind, target, project, request_id, result, error_code, detail
       FROM audit_log WHERE action = $1 ORDER BY id`,
    [action],
  );
  return res.rows;
}

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

describe("withAudit", () => {
  it("commits the mutation and its event together, with what the mutation added", async () => {
    const name = await withAudit(
      db.pool(),
      { ...event, action: "test.create_ok" },
      async (client, draft) => {
        await client.query(`INSERT INTO projects (name, created_by) VALUES ('alpha', 'ada')`);
        draft.target = "projects/alpha";
        draft.project = "alpha";
        draft.detail = { revision: "7" };
        return "alpha";
      },
    );
    expect(name).toBe("alpha");
    expect(await auditRows("test.create_ok")).toEqual([
      {
        actor: "ada",
        actor_kind: "user",
        target: "projects/alpha",
        project: "alpha",
        request_id: "req-1",
        result: "ok",
        error_code: "",
        detail: { revision: "7" },
      },
    ]);
  });

  it("rolls the mutation back when it fails and records the failure with its code", async () => {
    const failing = withAudit(
      db.pool(),
      { ...event, action: "test.create_fails", target: "projects/beta" },
      async (client) => {
        await client.query(`INSERT INTO projects (name, created_by) VALUES ('beta', 'ada')`);
        throw new ConnectError("no", Code.FailedPrecondition);
      },
    );
    await expect(failing).rejects.toMatchObject({ code: Code.FailedPrecondition });
    const project = await db.pool().query(`SELECT 1 FROM projects WHERE name = 'beta'`);
    expect(project.rowCount).toBe(0);
    expect(await auditRows("test.create_fails")).toMatchObject([
      { target: "projects/beta", result: "failed", error_code: "failed_precondition" },
    ]);
  });

  it("does not run the mutation at all when its audit record cannot be written", async () => {
    const pool = db.pool();
    await pool.query(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'test.audit_broken' THEN RAISE EXCEPTION 'audit storage full'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_audit();`);
    let ran = false;
    const attempt = withAudit(pool, { ...event, action: "test.audit_broken" }, async (client) => {
      ran = true;
      await client.query(`INSERT INTO projects (name, created_by) VALUES ('gamma', 'ada')`);
    });
    await expect(attempt).rejects.toThrow("audit storage full");
    expect(ran).toBe(false);
    const project = await pool.query(`SELECT 1 FROM projects WHERE name = 'gamma'`);
    expect(project.rowCount).toBe(0);
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
