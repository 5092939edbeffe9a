import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { bindingCell, labelArg, limitArg, revisionArg, versionArg } from "./config-args.js";

describe("config command arguments", () => {
  it("takes versions as int64 bigints and refuses anything else as a usage error", () => {
    expect(versionArg("0")).toBe(0n);
    expect(versionArg("9223372036854775807")).toBe(9223372036854775807n);
    for (const bad of ["", "-1", "1.5", "abc", "0x10", "9223372036854775808"]) {
      expect(() => versionArg(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => revisionArg("0")).toThrow("must be a whole number from 1 to");
    expect(() => limitArg("2147483648")).toThrow(InvalidArgumentError);
  });

  it("collects repeated labels, splitting at the first =", () => {
    expect(labelArg("b=x=y", labelArg("a=1"))).toEqual({ a: "1", b: "x=y" });
    expect(labelArg("empty=")).toEqual({ empty: "" });
    expect(() => labelArg("=v")).toThrow('must be "key=value"');
    expect(() => labelArg("novalue")).toThrow(InvalidArgumentError);
  });

  it("shows a schema binding as name@version, or name@latest when it follows the latest", () => {
    expect(bindingCell("limits", 3)).toBe("limits@3");
    expect(bindingCell("any", 0)).toBe("any@latest");
  });
});
