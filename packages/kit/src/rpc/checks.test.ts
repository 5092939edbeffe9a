import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { failOn, maxLength, notNegative, textLength } from "./checks.js";

describe("request checks", () => {
  it("name every failed field at once, in order, and pass when none failed", () => {
    expect(() => failOn([["project", undefined]])).not.toThrow();
    let err: ConnectError | undefined;
    try {
      failOn([
        ["project", "must not be empty"],
        ["key", undefined],
        ["message", maxLength("x".repeat(5), 4)],
      ]);
    } catch (e) {
      err = ConnectError.from(e);
    }
    expect(err?.code).toBe(Code.InvalidArgument);
    const [detail] = err!.findDetails(BadRequestSchema);
    expect(detail?.fieldViolations.map((v) => [v.field, v.description])).toEqual([
      ["project", "must not be empty"],
      ["message", "must be at most 4 characters, got 5"],
    ]);
  });

  it("count characters as code points: an astral character is one, a lone surrogate is one", () => {
    expect(textLength("a😀b")).toBe(3);
    expect(textLength("\ud800x")).toBe(2);
    expect(maxLength("😀".repeat(4), 4)).toBeUndefined();
    expect(maxLength("😀".repeat(5), 4)).toBe("must be at most 4 characters, got 5");
  });

  it("refuse negative numbers only", () => {
    expect(notNegative(undefined)).toBeUndefined();
    expect(notNegative(0n)).toBeUndefined();
    expect(notNegative(-1)).toBe("must not be negative");
  });
});
