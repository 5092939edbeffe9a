import {
  EtcdError,
  EtcdLeaseInvalidError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
} from "etcd3";
import { describe, expect, it } from "vitest";
import { isEtcdUnavailable, isLeaseNotFound } from "./errors.js";

describe("isEtcdUnavailable", () => {
  it("counts gRPC failures and etcd's no-quorum answers as unavailable", () => {
    expect(isEtcdUnavailable(new GRPCUnavailableError("14 UNAVAILABLE: No connection"))).toBe(true);
    expect(isEtcdUnavailable(new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED"))).toBe(true);
    expect(isEtcdUnavailable(new EtcdError("etcdserver: no leader"))).toBe(true);
    expect(isEtcdUnavailable(new EtcdError("etcdserver: leader changed"))).toBe(true);
    expect(isEtcdUnavailable(new EtcdError("etcdserver: request timed out"))).toBe(true);
    expect(isEtcdUnavailable(new EtcdError("etcdserver: too many requests"))).toBe(true);
  });

  it("counts a circuit breaker refusing a failing member as unavailable", () => {
    const broken = Object.assign(new Error("Execution prevented"), { isBrokenCircuitError: true });
    expect(isEtcdUnavailable(broken)).toBe(true);
  });

  it("leaves expired leases, programming errors and non-errors alone", () => {
    expect(isEtcdUnavailable(new EtcdLeaseInvalidError("7587"))).toBe(false);
    expect(isEtcdUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isEtcdUnavailable("no leader")).toBe(false);
    expect(isEtcdUnavailable(undefined)).toBe(false);
  });
});

describe("isLeaseNotFound", () => {
  it("recognises an expired or revoked lease, typed or as etcd's sentence", () => {
    expect(isLeaseNotFound(new EtcdLeaseInvalidError("7587"))).toBe(true);
    expect(isLeaseNotFound(new EtcdError("etcdserver: requested lease not found"))).toBe(true);
    expect(isLeaseNotFound(new GRPCUnavailableError("14 UNAVAILABLE"))).toBe(false);
  });
});
