import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApiKeyScope, PrincipalKind, Role } from "@guardian/api";
import { hashApiKeySecret } from "@guardian/authz";
import { useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { codeOf, useHarness } from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db, { projects: ["payments", "billing"] });
const admin = h.admin;

async function create(name: string, extra: Record<string, unknown> = {}) {
  return h.client.createApiKey(
    { project: "payments", name, scope: ApiKeyScope.READ, ...extra },
    admin,
  );
}

describe("API keys", () => {
  it("shows the secret once and stores only its hash", async () => {
    const created = await create("deploy-bot", { keyPrefix: "eu/" });
    expect(created.secret).toMatch(new RegExp(`^gdn_${created.apiKey!.id}_[A-Za-z0-9_-]{43}$`));
    expect(created.apiKey).toMatchObject({
      project: "payments",
      name: "deploy-bot",
      scope: ApiKeyScope.READ,
      keyPrefix: "eu/",
      createdBy: "admin",
    });
    expect(created.secret.startsWith(created.apiKey!.secretHint)).toBe(true);
    const row = await db
      .pool()
      .query(`SELECT * FROM api_keys WHERE lookup = $1`, [created.apiKey!.id]);
    expect(row.rows[0].secret_hash).toBe(hashApiKeySecret(created.secret));
    expect(JSON.stringify(row.rows[0])).not.toContain(created.secret.slice(-43));
    const fetched = await h.client.getApiKey(
      { project: "payments", id: created.apiKey!.id },
      admin,
    );
    const text = JSON.stringify(fetched, (_k, v: unknown) =>
      typeof v === "bigint" ? String(v) : v,
    );
    expect(text).not.toContain(created.secret.slice(-43));
  });

  it("authenticates as the key, which WhoAmI describes", async () => {
    const created = await create("whoami-bot");
    const me = await h.client.whoAmI({}, h.as(created.secret));
    expect(me.principal).toMatchObject({
      kind: PrincipalKind.API_KEY,
      actor: `apikey:${created.apiKey!.id}`,
      username: "",
      apiKey: { id: created.apiKey!.id, project: "payments", name: "whoami-bot" },
    });
    await sleep(50);
    const used = await h.client.getApiKey({ project: "payments", id: created.apiKey!.id }, admin);
    expect(used.apiKey?.lastUsedTime).toBeDefined();
  });

  it("refuses a second live key with the same name, and frees the name on revocation", async () => {
    const first = await create("dup");
    expect(await codeOf(create("dup"))).toBe(Code.AlreadyExists);
    await h.client.revokeApiKey({ project: "payments", id: first.apiKey!.id }, admin);
    await create("dup");
  });

  it("checks scope, name, prefix and expiry", async () => {
    const bad = (req: Record<string, unknown>) =>
      codeOf(
        h.client.createApiKey(
          { project: "payments", name: "ok", scope: ApiKeyScope.READ, ...req },
          admin,
        ),
      );
    expect(await bad({ scope: ApiKeyScope.UNSPECIFIED })).toBe(Code.InvalidArgument);
    expect(await bad({ name: "Not Valid" })).toBe(Code.InvalidArgument);
    expect(await bad({ keyPrefix: "bad prefix!" })).toBe(Code.InvalidArgument);
    expect(await bad({ expireTime: timestampFromDate(new Date(Date.now() - 1000)) })).toBe(
      Code.InvalidArgument,
    );
    expect(await bad({ project: "nowhere" })).toBe(Code.NotFound);
    // Past 9999-12-31, which the binary protocol can carry: not a time (once Internal).
    expect(await bad({ expireTime: { seconds: 9_000_000_000_000n, nanos: 0 } })).toBe(
      Code.InvalidArgument,
    );
  });

  it("stops working when it expires", async () => {
    const created = await create("short-lived", {
      expireTime: timestampFromDate(new Date(Date.now() + 1500)),
    });
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBeUndefined();
    await sleep(1600);
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBe(Code.Unauthenticated);
  });

  it("stops working the moment it is revoked; revoking twice succeeds", async () => {
    const created = await create("revoke-me");
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBeUndefined();
    const revoked = await h.client.revokeApiKey(
      { project: "payments", id: created.apiKey!.id },
      admin,
    );
    expect(revoked.apiKey?.revokeTime).toBeDefined();
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBe(Code.Unauthenticated);
    const again = await h.client.revokeApiKey(
      { project: "payments", id: created.apiKey!.id },
      admin,
    );
    expect(again.apiKey?.revokeTime).toEqual(revoked.apiKey?.revokeTime);
  });

  it("rotates: the old secret works through the grace period only, a second rotation ends it at once", async () => {
    const created = await create("rotating");
    const id = created.apiKey!.id;
    const rotated = await h.client.rotateApiKey(
      { project: "payments", id, gracePeriod: { seconds: 60n } },
      admin,
    );
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.apiKey?.id).toBe(id);
    expect(rotated.apiKey?.previousSecretExpireTime).toBeDefined();
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBeUndefined();
    expect(await codeOf(h.client.whoAmI({}, h.as(rotated.secret)))).toBeUndefined();
    const again = await h.client.rotateApiKey({ project: "payments", id }, admin);
    expect(again.apiKey?.previousSecretExpireTime).toBeUndefined();
    expect(await codeOf(h.client.whoAmI({}, h.as(created.secret)))).toBe(Code.Unauthenticated);
    expect(await codeOf(h.client.whoAmI({}, h.as(rotated.secret)))).toBe(Code.Unauthenticated);
    expect(await codeOf(h.client.whoAmI({}, h.as(again.secret)))).toBeUndefined();
  });

  it("refuses to rotate a revoked key or with a bad grace period", async () => {
    const created = await create("dead-key");
    await h.client.revokeApiKey({ project: "payments", id: created.apiKey!.id }, admin);
    expect(
      await codeOf(h.client.rotateApiKey({ project: "payments", id: created.apiKey!.id }, admin)),
    ).toBe(Code.FailedPrecondition);
    const live = await create("grace-check");
    for (const seconds of [-1n, 8n * 86400n]) {
      expect(
        await codeOf(
          h.client.rotateApiKey(
            { project: "payments", id: live.apiKey!.id, gracePeriod: { seconds } },
            admin,
          ),
        ),
      ).toBe(Code.InvalidArgument);
    }
    expect(
      await codeOf(h.client.getApiKey({ project: "billing", id: live.apiKey!.id }, admin)),
    ).toBe(Code.NotFound);
  });

  it("lists live keys newest first, with revoked ones on request, in pages", async () => {
    const live = await h.client.listApiKeys({ project: "payments" }, admin);
    expect(live.apiKeys.every((k) => k.revokeTime === undefined)).toBe(true);
    const all: string[] = [];
    let pageToken = "";
    do {
      const page = await h.client.listApiKeys(
        { project: "payments", includeRevoked: true, pageSize: 3, pageToken },
        admin,
      );
      all.push(...page.apiKeys.map((k) => k.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    const rows = await db
      .pool()
      .query(
        `SELECT lookup FROM api_keys WHERE project = 'payments' ORDER BY created_at DESC, lookup DESC`,
      );
    expect(all).toEqual(rows.rows.map((r: { lookup: string }) => r.lookup));
    expect(all.length).toBeGreaterThan(live.apiKeys.length);
  });

  it("is managed by project admins only, and keys cannot manage keys", async () => {
    await h.client.createUser({ username: "pm", password: "a sufficiently long password" }, admin);
    await h.client.grantRole({ project: "payments", username: "pm", role: Role.EDITOR }, admin);
    const pm = (await h.client.login({ username: "pm", password: "a sufficiently long password" }))
      .tokens!.accessToken;
    expect(await codeOf(h.client.listApiKeys({ project: "payments" }, h.as(pm)))).toBe(
      Code.PermissionDenied,
    );
    await h.client.grantRole({ project: "payments", username: "pm", role: Role.ADMIN }, admin);
    expect(await codeOf(h.client.listApiKeys({ project: "payments" }, h.as(pm)))).toBeUndefined();
    const key = await create("no-escalation", { scope: ApiKeyScope.READ_WRITE });
    expect(await codeOf(h.client.listApiKeys({ project: "payments" }, h.as(key.secret)))).toBe(
      Code.PermissionDenied,
    );
  });

  it("audits creation and revocation without the secret", async () => {
    const created = await create("audited");
    await h.client.revokeApiKey({ project: "payments", id: created.apiKey!.id }, admin);
    const rows = await db
      .pool()
      .query(`SELECT action, result, detail FROM audit_log WHERE target = $1 ORDER BY id`, [
        `projects/payments/apikeys/${created.apiKey!.id}`,
      ]);
    expect(rows.rows.map((r: { action: string }) => r.action.split("/")[1])).toEqual([
      "CreateApiKey",
      "RevokeApiKey",
    ]);
    expect(JSON.stringify(rows.rows)).not.toContain(created.secret.slice(-43));
  });
});
