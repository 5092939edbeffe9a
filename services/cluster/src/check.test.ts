import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AcquireLockRequestSchema,
  AddMemberRequestSchema,
  BadRequestSchema,
  CampaignRequestSchema,
  RegisterInstanceRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import {
  checkAcquireLockRequest,
  checkAddMemberRequest,
  checkCampaignRequest,
  checkMemberId,
  checkName,
  checkRegisterInstanceRequest,
  defaultClusterLimits as limits,
} from "./check.js";

const seconds = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

/** Runs a check that must fail and returns the fields it names. */
function badFields(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    const e = ConnectError.from(err);
    expect(e.code).toBe(Code.InvalidArgument);
    return e.findDetails(BadRequestSchema)[0]!.fieldViolations.map((v) => v.field);
  }
  throw new Error("expected InvalidArgument");
}

describe("checkName", () => {
  it("accepts team-prefixed names and refuses empty, long or odd ones", () => {
    expect(checkName("payments/settlement-leader_1.v2")).toBeUndefined();
    expect(checkName("")).toBe("must not be empty");
    expect(checkName("a".repeat(129))).toMatch(/1-128 characters/);
    expect(checkName("has space")).toMatch(/1-128 characters/);
    expect(checkName("hash#name")).toMatch(/1-128 characters/);
  });
});

describe("checkCampaignRequest", () => {
  it("defaults the TTL to 30 seconds and keeps the value", () => {
    const req = create(CampaignRequestSchema, { election: "team/e", value: "10.0.0.1:80" });
    expect(checkCampaignRequest(req, limits)).toEqual({
      election: "team/e",
      value: "10.0.0.1:80",
      ttlMs: 30_000,
    });
  });

  it("refuses a TTL outside 5 seconds to 1 hour and a value over 4 KiB", () => {
    const req = (ttl: number, value = "") =>
      create(CampaignRequestSchema, { election: "e", value, ttl: seconds(ttl) });
    expect(badFields(() => checkCampaignRequest(req(4), limits))).toEqual(["ttl"]);
    expect(badFields(() => checkCampaignRequest(req(3601), limits))).toEqual(["ttl"]);
    expect(badFields(() => checkCampaignRequest(req(-5), limits))).toEqual(["ttl"]);
    expect(checkCampaignRequest(req(5), limits).ttlMs).toBe(5_000);
    expect(checkCampaignRequest(req(3600), limits).ttlMs).toBe(3_600_000);
    expect(badFields(() => checkCampaignRequest(req(10, "é".repeat(2049)), limits))).toEqual([
      "value",
    ]);
  });

  it("accepts shorter TTLs when the limits allow them", () => {
    const req = create(CampaignRequestSchema, { election: "e", ttl: seconds(1) });
    expect(checkCampaignRequest(req, { ...limits, minTtlMs: 1_000 }).ttlMs).toBe(1_000);
  });
});

describe("checkAcquireLockRequest", () => {
  it("defaults the owner to the caller and refuses waits over 5 minutes", () => {
    const ok = create(AcquireLockRequestSchema, { name: "l", waitTimeout: seconds(2) });
    expect(checkAcquireLockRequest(ok, limits, "alice")).toMatchObject({
      owner: "alice",
      waitMs: 2_000,
    });
    const bad = create(AcquireLockRequestSchema, {
      name: "",
      waitTimeout: seconds(301),
      owner: "o".repeat(257),
    });
    expect(badFields(() => checkAcquireLockRequest(bad, limits, "alice"))).toEqual([
      "name",
      "wait_timeout",
      "owner",
    ]);
  });
});

describe("checkRegisterInstanceRequest", () => {
  const base = {
    service: "payments/api",
    instanceId: "pod-1:8080",
    address: "10.0.0.7",
    port: 8080,
  };

  it("accepts a registration and drops duplicate tags", () => {
    const req = create(RegisterInstanceRequestSchema, { ...base, tags: ["a", "a", "b"] });
    expect(checkRegisterInstanceRequest(req, limits)).toMatchObject({
      ...base,
      tags: ["a", "b"],
      ttlMs: 30_000,
    });
  });

  it("names every malformed field", () => {
    const req = create(RegisterInstanceRequestSchema, {
      ...base,
      instanceId: "pod/1",
      port: 70000,
      metadata: { blob: "x".repeat(4097) },
      tags: ["", ...Array.from({ length: 32 }, (_, i) => `t${i}`)],
    });
    expect(badFields(() => checkRegisterInstanceRequest(req, limits))).toEqual([
      "instance_id",
      "port",
      "metadata",
      "tags",
      "tags[0]",
    ]);
  });
});

describe("membership requests", () => {
  it("requires hexadecimal member ids, peer URLs with ports and a member name", () => {
    expect(() => checkMemberId("8e9e05c52164694d")).not.toThrow();
    expect(badFields(() => checkMemberId("local"))).toEqual(["id"]);
    const req = create(AddMemberRequestSchema, { peerUrls: ["etcd-3:2380", "https://etcd-3"] });
    expect(badFields(() => checkAddMemberRequest(req))).toEqual([
      "peer_urls[0]",
      "peer_urls[1]",
      "name",
    ]);
    const none = create(AddMemberRequestSchema, { name: "etcd-3" });
    expect(badFields(() => checkAddMemberRequest(none))).toEqual(["peer_urls"]);
    const many = create(AddMemberRequestSchema, {
      name: "etcd-3",
      peerUrls: Array.from({ length: 17 }, (_, i) => `https://etcd-${i}:2380`),
    });
    expect(badFields(() => checkAddMemberRequest(many))).toEqual(["peer_urls"]);
    const long = create(AddMemberRequestSchema, {
      name: "etcd-3",
      peerUrls: [`https://${"e".repeat(2_100)}:2380`],
    });
    expect(badFields(() => checkAddMemberRequest(long))).toEqual(["peer_urls[0]"]);
  });
});
