import { create } from "@bufbuild/protobuf";
import { AccessSchema, Permission, type Access } from "@guardian/api";
import type { GlobalRoleName, Principal, ProjectRoleName } from "@guardian/kit";
import { describe, expect, it } from "vitest";
import { decide, type CallTarget } from "./decide.js";

function access(init: Partial<Omit<Access, "$typeName">>): Access {
  return create(AccessSchema, init);
}

function user(
  globalRoles: GlobalRoleName[] = [],
  projectRoles: Record<string, ProjectRoleName> = {},
): Principal {
  return { kind: "user", id: "ada", name: "ada", globalRoles, projectRoles };
}

function apiKey(scope: "read" | "read_write", keyPrefix = "", project = "payments"): Principal {
  return {
    kind: "api_key",
    id: "ak_1234abcd",
    name: "apikey:ak_1234abcd",
    project,
    apiKey: { id: "ak_1234abcd", project, scope, keyPrefix },
  };
}

const read = access({
  permission: Permission.PROJECT_READ,
  projectField: "project",
  allowApiKey: true,
  keyFields: ["key"],
});
const write = access({
  permission: Permission.CONFIG_WRITE,
  projectField: "project",
  allowApiKey: true,
  keyFields: ["key"],
});
const writeNoKeys = access({ permission: Permission.CONFIG_WRITE, projectField: "project" });
const admin = access({ permission: Permission.PROJECT_ADMIN, projectField: "project" });
const target = { project: "payments", keys: ["eu/limits"] };

function allowed(a: Access, p: Principal, t: CallTarget = target): boolean {
  return decide(a, p, t, "Svc/Method").allowed;
}

describe("decide", () => {
  it("lets project viewers read but not write or administer", () => {
    const viewer = user([], { payments: "viewer" });
    expect(allowed(read, viewer)).toBe(true);
    expect(allowed(write, viewer)).toBe(false);
    expect(allowed(admin, viewer)).toBe(false);
  });

  it("lets project editors write configs but not administer the project", () => {
    const editor = user([], { payments: "editor" });
    expect(allowed(write, editor)).toBe(true);
    expect(allowed(admin, editor)).toBe(false);
  });

  it("lets project admins administer their project only", () => {
    const owner = user([], { payments: "admin" });
    expect(allowed(admin, owner)).toBe(true);
    expect(allowed(admin, owner, { project: "billing", keys: [] })).toBe(false);
  });

  it("grants project permissions on every project through global roles", () => {
    const other = { project: "billing", keys: [] };
    expect(allowed(read, user(["viewer"]), other)).toBe(true);
    expect(allowed(write, user(["viewer"]), other)).toBe(false);
    expect(allowed(write, user(["editor"]), other)).toBe(true);
    expect(allowed(admin, user(["editor"]), other)).toBe(false);
    expect(allowed(admin, user(["admin"]), other)).toBe(true);
  });

  it("follows the Permission enum for global permissions", () => {
    const rule = (permission: Permission) => access({ permission });
    expect(allowed(rule(Permission.PROJECT_CREATE), user(["editor"]))).toBe(true);
    expect(allowed(rule(Permission.PROJECT_CREATE), user(["viewer"]))).toBe(false);
    expect(allowed(rule(Permission.GLOBAL_ADMIN), user(["editor"]))).toBe(false);
    expect(allowed(rule(Permission.GLOBAL_ADMIN), user(["admin"]))).toBe(true);
    expect(allowed(rule(Permission.CLUSTER_USE), user(["cluster_client"]))).toBe(true);
    expect(allowed(rule(Permission.CLUSTER_USE), user(["viewer"]))).toBe(false);
    expect(allowed(rule(Permission.CLUSTER_READ), user(["viewer"]))).toBe(true);
    expect(allowed(rule(Permission.CLUSTER_READ), user([], { payments: "admin" }))).toBe(false);
    expect(allowed(rule(Permission.INTERNAL), user(["admin"]))).toBe(false);
    expect(allowed(rule(Permission.INTERNAL), user(["internal"]))).toBe(true);
    expect(allowed(rule(Permission.AUTHENTICATED), user())).toBe(true);
  });

  it("fails closed on an unspecified permission of a non-public RPC", () => {
    expect(allowed(access({}), user(["admin", "internal"]))).toBe(false);
    expect(allowed(access({ public: true }), user())).toBe(true);
  });

  it("lets read keys read their own project only", () => {
    expect(allowed(read, apiKey("read"))).toBe(true);
    expect(allowed(write, apiKey("read"))).toBe(false);
    expect(allowed(read, apiKey("read", "", "billing"))).toBe(false);
  });

  it("lets read_write keys update configs only where the RPC allows API keys", () => {
    expect(allowed(write, apiKey("read_write"))).toBe(true);
    expect(allowed(writeNoKeys, apiKey("read_write"))).toBe(false);
    expect(allowed(admin, apiKey("read_write"))).toBe(false);
  });

  it("holds prefixed keys to their prefix and refuses whole-project calls", () => {
    const key = apiKey("read", "eu/");
    expect(allowed(read, key, { project: "payments", keys: ["eu/limits"] })).toBe(true);
    expect(allowed(read, key, { project: "payments", keys: ["us/limits"] })).toBe(false);
    expect(allowed(read, key, { project: "payments", keys: [] })).toBe(false);
    expect(allowed(read, apiKey("read"), { project: "payments", keys: [] })).toBe(true);
  });

  it("applies a key prefix segment by segment: eu covers eu and eu/..., never eu2", () => {
    const key = apiKey("read", "eu");
    const on = (k: string) => allowed(read, key, { project: "payments", keys: [k] });
    expect(on("eu")).toBe(true);
    expect(on("eu/limits")).toBe(true);
    expect(on("eu2/secret")).toBe(false);
    expect(on("eu2")).toBe(false);
    expect(on("e")).toBe(false);
  });

  it("lets API keys call WhoAmI-like RPCs but never internal ones", () => {
    const whoAmI = access({ permission: Permission.AUTHENTICATED, allowApiKey: true });
    expect(allowed(whoAmI, apiKey("read", "eu/"), { keys: [] })).toBe(true);
    expect(
      allowed(access({ permission: Permission.INTERNAL, allowApiKey: true }), apiKey("read_write")),
    ).toBe(false);
  });

  it("explains a denial with the role and project that were needed", () => {
    const decision = decide(admin, user([], { payments: "editor" }), target, "Svc/Method");
    expect(decision).toEqual({
      allowed: false,
      message: 'permission denied: Svc/Method needs the admin role on project "payments"',
    });
  });

  it("ignores bindings named like Object.prototype members", () => {
    expect(allowed(read, user(), { project: "constructor", keys: [] })).toBe(false);
  });
});
