import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { namedApp } from "../testing/app-schema.js";
import { useHarness } from "../testing/harness.js";

const h = useHarness();

describe("ValidateDocument", () => {
  it("reports violations in document order against the requested version", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    const res = await h.schemas().validateDocument({
      project,
      name: "app",
      document: fromJson(ValueSchema, { port: 70000, extra: true }),
    });
    expect(res).toMatchObject({ valid: false, truncated: false, version: 1 });
    expect(res.violations.map((v) => [v.pointer, v.keyword, v.schemaPointer])).toEqual([
      ["/name", "required", "/required"],
      ["/port", "maximum", "/properties/port/maximum"],
    ]);
    const ok = await h.schemas().validateDocument({
      project,
      name: "app",
      version: 1,
      document: fromJson(ValueSchema, { name: "api" }),
    });
    expect(ok).toMatchObject({ valid: true, violations: [], version: 1 });
  });

  it("truncates at 100 violations", async () => {
    const project = await h.newProject();
    await h
      .schemas()
      .createSchema({ project, name: "nums", content: { items: { type: "string" } } });
    const res = await h.schemas().validateDocument({
      project,
      name: "nums",
      document: fromJson(
        ValueSchema,
        Array.from({ length: 150 }, (_, i) => i),
      ),
    });
    expect(res.violations).toHaveLength(100);
    expect(res.violations[99]?.pointer).toBe("/99");
    expect(res.truncated).toBe(true);
  });
});
