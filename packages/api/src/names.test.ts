import { describe, expect, it } from "vitest";
import {
  checkConfigKey,
  checkIdempotencyKey,
  checkLabels,
  checkProjectName,
  checkSchemaName,
  keyInScope,
  prefixInScope,
} from "./names.js";

describe("name grammar", () => {
  it("accepts valid project names and explains invalid ones", () => {
    expect(checkProjectName("payments-eu")).toBeUndefined();
    expect(checkProjectName("")).toBe("must not be empty");
    for (const bad of ["ab", "1abc", "abc-", "ABC", "a_b_c", "x".repeat(64)]) {
      expect(checkProjectName(bad)).toMatch(/3-63 characters/);
    }
  });

  it("accepts slash-separated keys and rejects empty, dot and odd segments", () => {
    expect(checkConfigKey("eu/checkout/limits.v2")).toBeUndefined();
    expect(checkConfigKey("/lead")).toMatch(/'\/'/);
    expect(checkConfigKey("a//b")).toMatch(/'\/\/'/);
    expect(checkConfigKey("a/../b")).toMatch(/'\.\.'/);
    expect(checkConfigKey("a b")).toMatch(/only A-Z/);
    expect(checkConfigKey("k".repeat(257))).toMatch(/at most 256/);
  });

  it("checks schema names, labels and idempotency keys", () => {
    expect(checkSchemaName("rate-limits")).toBeUndefined();
    expect(checkSchemaName("-x")).toMatch(/1-63/);
    expect(checkLabels({ env: "prod", "team/owner": "core" })).toBeUndefined();
    expect(checkLabels({ Env: "prod" })).toMatch(/label key "Env"/);
    expect(checkIdempotencyKey("op-1")).toBeUndefined();
    expect(checkIdempotencyKey("has space")).toMatch(/printable/);
  });

  it("scopes API-key prefixes per segment, for keys and for listing prefixes", () => {
    for (const scope of ["eu", "eu/"]) {
      expect(keyInScope(scope, "eu")).toBe(true);
      expect(keyInScope(scope, "eu/a/b")).toBe(true);
      expect(keyInScope(scope, "eu2/secret")).toBe(false);
      expect(keyInScope(scope, "e")).toBe(false);
      expect(prefixInScope(scope, "eu/")).toBe(true);
      expect(prefixInScope(scope, "eu/chec")).toBe(true);
      expect(prefixInScope(scope, "eu")).toBe(false);
      expect(prefixInScope(scope, "")).toBe(false);
    }
    expect(keyInScope("", "anything")).toBe(true);
    expect(prefixInScope("", "")).toBe(true);
  });
});
