import { AuthService, ConfigService, StoreService, guardianServices } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { gatewayRpcs } from "./rpcs.js";

describe("gatewayRpcs", () => {
  const rpcs = gatewayRpcs();
  const rpc = (path: string) => rpcs.find((r) => r.path === path);

  it("lists every method of the public services and none of the store", () => {
    const publicMethods = guardianServices
      .filter((s) => s !== StoreService)
      .reduce((n, s) => n + s.methods.length, 0);
    expect(rpcs).toHaveLength(publicMethods);
    expect(rpcs.some((r) => r.service === StoreService.typeName)).toBe(false);
  });

  it("classifies auth from the access option", () => {
    expect(rpc("/guardian.auth.v1.AuthService/Login")?.auth).toBe("public");
    expect(rpc("/guardian.config.v1.ConfigService/UpdateConfig")?.auth).toBe("api_key");
    expect(rpc("/guardian.config.v1.ConfigService/CreateProject")?.auth).toBe("jwt");
  });

  it("classifies retries from the idempotency level and the streaming shape", () => {
    expect(rpc("/guardian.config.v1.ConfigService/GetConfig")).toMatchObject({
      kind: "read",
      cluster: "config",
    });
    expect(rpc("/guardian.config.v1.ConfigService/UpdateConfig")?.kind).toBe("write");
    // IDEMPOTENT is not NO_SIDE_EFFECTS: such calls still retry like writes.
    expect(rpc("/guardian.auth.v1.AuthService/DisableUser")?.kind).toBe("write");
    expect(rpc("/guardian.config.v1.ConfigService/Watch")?.kind).toBe("stream");
    expect(rpc("/guardian.cluster.v1.ClusterService/Campaign")?.kind).toBe("stream");
  });

  it("refuses a service that is neither public nor internal", () => {
    const unknown = { ...AuthService, typeName: "guardian.billing.v1.BillingService" };
    expect(() => gatewayRpcs([unknown])).toThrow(/neither a public nor an internal service/);
  });

  it("refuses a method without an access option", () => {
    const bare = {
      ...ConfigService,
      methods: [{ ...ConfigService.methods[0]!, proto: { options: undefined }, name: "Bare" }],
    };
    expect(() => gatewayRpcs([bare as unknown as typeof ConfigService])).toThrow(
      /ConfigService.Bare has no guardian.v1.access option/,
    );
  });
});
