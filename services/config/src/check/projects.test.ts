import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, CreateProjectRequestSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { checkCreateProjectRequest } from "./projects.js";

describe("project request checks", () => {
  it("counts a display name in characters: one outside the BMP counts as one", () => {
    const fits = create(CreateProjectRequestSchema, {
      project: "ok-project",
      displayName: "🚀".repeat(200),
    });
    expect(() => checkCreateProjectRequest(fits)).not.toThrow();
    const over = create(CreateProjectRequestSchema, {
      project: "ok-project",
      displayName: "🚀".repeat(201),
    });
    const err = ConnectError.from(captured(() => checkCreateProjectRequest(over)));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
      expect.objectContaining({
        field: "display_name",
        description: "must be at most 200 characters, got 201",
      }),
    ]);
  });
});

/** Runs a check that must fail and returns what it threw. */
function captured(check: () => unknown): unknown {
  try {
    check();
  } catch (err) {
    return err;
  }
  throw new Error("expected the check to fail");
}
