import { ScalarType, type DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { getAccess, guardianServices, Health, Permission, StoreService } from "./index.js";

const methods: DescMethod[] = guardianServices.flatMap((service) => service.methods);

const projectScoped = new Set([
  Permission.PROJECT_READ,
  Permission.CONFIG_WRITE,
  Permission.PROJECT_ADMIN,
]);

const readOnlyPrefixes = ["Get", "List", "Read", "Diff", "Validate", "DryRun", "WhoAmI"];

/** Names the method as "ServiceName/Method" so that a failing assertion says which RPC. */
function rpcName(method: DescMethod): string {
  return `${method.parent.name}/${method.name}`;
}

/** Returns true when the method's input message has a top-level singular string field. */
function hasStringField(method: DescMethod, name: string): boolean {
  const field = method.input.fields.find((f) => f.name === name);
  return field?.fieldKind === "scalar" && field.scalar === ScalarType.STRING;
}

/**
 * Returns true when a key field names a top-level string field, or ("list.field") a string
 * field of the messages of a top-level repeated message field.
 */
function hasKeyField(method: DescMethod, name: string): boolean {
  const [list, inner, ...rest] = name.split(".");
  if (inner === undefined) return hasStringField(method, name);
  const field = method.input.fields.find((f) => f.name === list);
  if (field?.fieldKind !== "list" || field.listKind !== "message" || rest.length > 0) return false;
  const element = field.message.fields.find((f) => f.name === inner);
  return element?.fieldKind === "scalar" && element.scalar === ScalarType.STRING;
}

describe("guardian.v1.access option", () => {
  it("covers all seven Guardian services and finds methods in each", () => {
    expect(guardianServices.map((s) => s.typeName)).toEqual([
      "guardian.auth.v1.AuthService",
      "guardian.config.v1.ConfigService",
      "guardian.config.v1.WebhookService",
      "guardian.config.v1.JobService",
      "guardian.schema.v1.SchemaService",
      "guardian.cluster.v1.ClusterService",
      "guardian.store.v1.StoreService",
    ]);
    for (const service of guardianServices) {
      expect(service.methods.length, service.typeName).toBeGreaterThan(0);
    }
  });

  it("is declared on every method, with a permission unless the method is public", () => {
    for (const method of methods) {
      const access = getAccess(method);
      expect(access, rpcName(method)).toBeDefined();
      if (access?.public) {
        expect(access.permission, rpcName(method)).toBe(Permission.UNSPECIFIED);
        expect(access.allowApiKey, rpcName(method)).toBe(false);
      } else {
        expect(access?.permission, rpcName(method)).not.toBe(Permission.UNSPECIFIED);
      }
    }
  });

  it("names an existing string project field for project-scoped permissions, and only for them", () => {
    for (const method of methods) {
      const access = getAccess(method);
      if (access === undefined) continue;
      if (projectScoped.has(access.permission)) {
        expect(access.projectField, rpcName(method)).not.toBe("");
        expect(hasStringField(method, access.projectField), rpcName(method)).toBe(true);
      } else {
        expect(access.projectField, rpcName(method)).toBe("");
      }
    }
  });

  it("names existing string key fields, only on methods open to API keys", () => {
    for (const method of methods) {
      const access = getAccess(method);
      if (access === undefined) continue;
      for (const keyField of access.keyFields) {
        expect(hasKeyField(method, keyField), `${rpcName(method)} ${keyField}`).toBe(true);
      }
      if (access.keyFields.length > 0) {
        expect(access.allowApiKey, rpcName(method)).toBe(true);
      }
    }
  });

  it("opens API keys only to project reads, config writes and WhoAmI", () => {
    const allowed = new Set([
      Permission.AUTHENTICATED,
      Permission.PROJECT_READ,
      Permission.CONFIG_WRITE,
    ]);
    const withApiKeys = methods.filter((m) => getAccess(m)?.allowApiKey === true);
    expect(withApiKeys.map(rpcName).sort()).toEqual([
      "AuthService/WhoAmI",
      "ConfigService/GetConfig",
      "ConfigService/ListConfigs",
      "ConfigService/ReadConfig",
      "ConfigService/ReportConfigStatus",
      "ConfigService/UpdateConfig",
      "ConfigService/Watch",
    ]);
    for (const method of withApiKeys) {
      expect(allowed.has(getAccess(method)?.permission ?? Permission.UNSPECIFIED)).toBe(true);
    }
  });

  it("marks every unary read-only method NO_SIDE_EFFECTS so that Connect GET works", () => {
    const reads = methods.filter(
      (m) => m.methodKind === "unary" && readOnlyPrefixes.some((p) => m.name.startsWith(p)),
    );
    expect(reads.length).toBeGreaterThan(20);
    for (const method of reads) {
      expect(method.idempotency, rpcName(method)).toBe(
        MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
      );
    }
  });

  it("never marks a streaming method NO_SIDE_EFFECTS", () => {
    for (const method of methods.filter((m) => m.methodKind !== "unary")) {
      expect(method.idempotency, rpcName(method)).not.toBe(
        MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
      );
    }
  });

  it("restricts every store method to PERMISSION_INTERNAL without API keys", () => {
    for (const method of StoreService.methods) {
      const access = getAccess(method);
      expect(access?.permission, rpcName(method)).toBe(Permission.INTERNAL);
      expect(access?.public, rpcName(method)).toBe(false);
      expect(access?.allowApiKey, rpcName(method)).toBe(false);
    }
  });

  it("uses PERMISSION_INTERNAL nowhere outside the store service", () => {
    for (const method of methods.filter((m) => m.parent.typeName !== StoreService.typeName)) {
      expect(getAccess(method)?.permission, rpcName(method)).not.toBe(Permission.INTERNAL);
    }
  });

  it("makes exactly the sign-in and key-discovery methods public", () => {
    const publicMethods = methods.filter((m) => getAccess(m)?.public === true);
    expect(publicMethods.map(rpcName).sort()).toEqual([
      "AuthService/GetJwks",
      "AuthService/GetOidcConfiguration",
      "AuthService/Login",
      "AuthService/Refresh",
    ]);
  });

  it("runs a caller's schema only for callers who may add it: every RPC that takes schema content needs PROJECT_ADMIN", () => {
    const schemaService = guardianServices.find((s) => s.typeName.endsWith("SchemaService"))!;
    const takesSchema = schemaService.methods.filter((m) =>
      m.input.fields.some((f) => f.name === "content_value"),
    );
    expect(takesSchema.map((m) => m.name).sort()).toEqual([
      "AddSchemaVersion",
      "CreateSchema",
      "DryRunSchemaVersion",
    ]);
    for (const method of takesSchema) {
      expect(getAccess(method)?.permission, rpcName(method)).toBe(Permission.PROJECT_ADMIN);
      expect(getAccess(method)?.allowApiKey, rpcName(method)).toBe(false);
    }
  });

  it("returns undefined for a method without the option", () => {
    expect(getAccess(Health.method.check)).toBeUndefined();
  });
});
