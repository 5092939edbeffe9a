import { Code, ConnectError } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditResult, PrincipalKind, Role } from "@guardian/api";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { codeOf, useHarness } from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db, { projects: ["payments", "billing"] });
const admin = h.admin;
let ownerToken: string;
const password = "a sufficiently long password";

beforeAll(async () => {
  await h.client.createUser({ username: "owner", password }, admin);
  await h.client.grantRole({ project: "payments", username: "owner", role: Role.ADMIN }, admin);
  ownerToken = (await h.client.login({ username: "owner", password })).tokens!.accessToken;
  for (const name of ["u1", "u2", "u3"]) {
    await h.client.createUser({ username: name, password }, admin);
    await h.client.grantRole(
      { project: "payments", username: name, role: Role.VIEWER },
      h.as(ownerToken),
    );
  }
  await h.client.grantRole({ project: "billing", username: "u1", role: Role.VIEWER }, admin);
  await h.client.login({ username: "u1", password: "not the password" }).catch(() => undefined);
});

describe("ListAuditEvents", () => {
  it("records every auth mutation and sign-in with actor, action, target and request id", async () => {
    const { events } = await h.client.listAuditEvents({ pageSize: 1000 }, admin);
    const grant = events.find((e) => e.action.endsWith("/GrantRole") && e.target.endsWith("/u2"));
    expect(grant).toMatchObject({
      actor: "owner",
      actorKind: PrincipalKind.USER,
      project: "payments",
      result: AuditResult.OK,
      detail: { username: "u2", role: "viewer" },
    });
    expect(grant?.requestId).not.toBe("");
    const failedLogin = events.find(
      (e) => e.action.endsWith("/Login") && e.result === AuditResult.DENIED,
    );
    expect(failedLogin).toMatchObject({
      actor: "",
      target: "users/u1",
      errorCode: "unauthenticated",
    });
    const ids = events.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
  });

  it("filters by actor, action prefix, target prefix, project, result and time", async () => {
    const list = async (filter: Record<string, unknown>) =>
      (await h.client.listAuditEvents({ filter, pageSize: 1000 }, admin)).events;
    expect((await list({ actor: "owner" })).every((e) => e.actor === "owner")).toBe(true);
    const grants = await list({ action: "guardian.auth.v1.AuthService/GrantRole" });
    expect(grants).toHaveLength(5);
    expect((await list({ action: "guardian.auth.v1.*" })).length).toBeGreaterThan(grants.length);
    expect(
      (await list({ target: "projects/payments/rolebindings/u*" })).map((e) => e.target).sort(),
    ).toEqual([
      "projects/payments/rolebindings/u1",
      "projects/payments/rolebindings/u2",
      "projects/payments/rolebindings/u3",
    ]);
    expect((await list({ project: "billing" })).map((e) => e.target)).toEqual([
      "projects/billing/rolebindings/u1",
    ]);
    expect(
      (await list({ result: AuditResult.DENIED })).every((e) => e.result === AuditResult.DENIED),
    ).toBe(true);
    const future = timestampFromDate(new Date(Date.now() + 60_000));
    expect(await list({ startTime: future })).toEqual([]);
    expect((await list({ endTime: future })).length).toBeGreaterThan(0);
  });

  it("pages newest first without gaps or repeats", async () => {
    const all = (await h.client.listAuditEvents({ pageSize: 1000 }, admin)).events.map((e) => e.id);
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await h.client.listAuditEvents({ pageSize: 4, pageToken }, admin);
      paged.push(...page.events.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && paged.length < all.length + 10);
    // Listing is itself not audited, so both views hold the same events.
    expect(paged.slice(0, all.length)).toEqual(all);
  });

  it("refuses malformed filters and page tokens of another filter", async () => {
    expect(await codeOf(h.client.listAuditEvents({ filter: { action: "a*b" } }, admin))).toBe(
      Code.InvalidArgument,
    );
    const page = await h.client.listAuditEvents({ pageSize: 1 }, admin);
    expect(
      await codeOf(
        h.client.listAuditEvents(
          { pageSize: 1, filter: { actor: "x" }, pageToken: page.nextPageToken },
          admin,
        ),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("is for global admins only", async () => {
    expect(await codeOf(h.client.listAuditEvents({}, h.as(ownerToken)))).toBe(
      Code.PermissionDenied,
    );
  });
});

describe("ListProjectAuditEvents", () => {
  it("shows a project admin its own project's events only", async () => {
    const res = await h.client.listProjectAuditEvents(
      { project: "payments", pageSize: 1000 },
      h.as(ownerToken),
    );
    expect(res.events.length).toBeGreaterThan(0);
    expect(res.events.every((e) => e.project === "payments")).toBe(true);
    expect(
      await codeOf(h.client.listProjectAuditEvents({ project: "billing" }, h.as(ownerToken))),
    ).toBe(Code.PermissionDenied);
  });

  it("refuses a filter naming another project, and an unknown project", async () => {
    expect(
      await codeOf(
        h.client.listProjectAuditEvents(
          { project: "payments", filter: { project: "billing" } },
          admin,
        ),
      ),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(h.client.listProjectAuditEvents({ project: "nowhere" }, admin))).toBe(
      Code.NotFound,
    );
  });
});

describe("audit guarantee", () => {
  it("does not grant a role when its audit record cannot be written", async () => {
    await db.pool().query(`
      CREATE FUNCTION refuse_grant_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action LIKE '%/GrantRole' THEN RAISE EXCEPTION 'audit storage unavailable'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_grant_audit BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_grant_audit();`);
    try {
      const err = ConnectError.from(
        await h.client
          .grantRole({ project: "billing", username: "u2", role: Role.EDITOR }, admin)
          .catch((e: unknown) => e),
      );
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).not.toContain("audit storage");
      const rows = await db.pool().query(
        `SELECT 1 FROM role_bindings b JOIN users u USING (issuer, subject)
          WHERE b.project = 'billing' AND u.username = 'u2'`,
      );
      expect(rows.rowCount).toBe(0);
    } finally {
      await db.pool().query(`DROP TRIGGER refuse_grant_audit ON audit_log`);
    }
  });
});
