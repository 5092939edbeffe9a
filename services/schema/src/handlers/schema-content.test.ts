import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { BadRequestSchema, Dialect, FormatMode } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

const value = (json: unknown) => fromJson(ValueSchema, json as never);
const emailSchema = { type: "object", properties: { contact: { format: "email" } } };

describe("boolean schema documents", () => {
  it("stores `false` and `true` end to end and validates with them", async () => {
    const project = await h.newProject();
    const created = await h
      .schemas()
      .createSchema({ project, name: "closed", contentValue: value(false) });
    expect(created.schemaVersion?.content).toBeUndefined();
    expect(toJson(ValueSchema, created.schemaVersion!.contentValue!)).toBe(false);
    expect(created.schemaVersion?.dialect).toBe(Dialect.DRAFT_2020_12);
    const denied = await h
      .schemas()
      .validateDocument({ project, name: "closed", document: value({ a: 1 }) });
    expect(denied.valid).toBe(false);

    const added = await h
      .schemas()
      .addSchemaVersion({ project, name: "closed", contentValue: value(true), force: true });
    expect(added.schemaVersion?.version).toBe(2);
    const got = await h.schemas().getSchema({ project, name: "closed" });
    expect(toJson(ValueSchema, got.schemaVersion!.contentValue!)).toBe(true);
    const allowed = await h
      .schemas()
      .validateDocument({ project, name: "closed", document: value({ a: 1 }) });
    expect(allowed.valid).toBe(true);
    const listed = await h
      .schemas()
      .listSchemaVersions({ project, name: "closed", includeContent: true });
    expect(listed.schemaVersions.map((v) => toJson(ValueSchema, v.contentValue!))).toEqual([
      true,
      false,
    ]);
  });

  it("returns object documents in both content and content_value", async () => {
    const project = await h.newProject();
    const res = await h
      .schemas()
      .createSchema({ project, name: "obj", contentValue: value({ type: "string" }) });
    expect(res.schemaVersion?.content).toEqual({ type: "string" });
    expect(toJson(ValueSchema, res.schemaVersion!.contentValue!)).toEqual({ type: "string" });
  });

  it("refuses both or neither content field, and non-schema values, naming the field", async () => {
    const project = await h.newProject();
    const cases = [
      [{ content: {}, contentValue: value(true) }, "content_value"],
      [{}, "content"],
      [{ contentValue: value(3) }, "content_value"],
      [{ contentValue: value([true]) }, "content_value"],
    ] as const;
    for (const [fields, field] of cases) {
      const err = await failureOf(h.schemas().createSchema({ project, name: "x", ...fields }));
      expect(err.code).toBe(Code.InvalidArgument);
      const [bad] = err.findDetails(BadRequestSchema);
      expect(bad?.fieldViolations.map((v) => v.field)).toEqual([field]);
    }
    expect((await h.schemas().listSchemas({ project })).schemas).toEqual([]);
  });
});

describe("format mode", () => {
  it("asserts formats by default and only annotates when asked, per version", async () => {
    const project = await h.newProject();
    const created = await h.schemas().createSchema({ project, name: "c", content: emailSchema });
    expect(created.schemaVersion?.formatMode).toBe(FormatMode.ASSERT);
    const doc = value({ contact: "not an address" });
    const asserted = await h.schemas().validateDocument({ project, name: "c", document: doc });
    expect(asserted.violations.map((v) => [v.pointer, v.keyword])).toEqual([
      ["/contact", "format"],
    ]);

    const added = await h.schemas().addSchemaVersion({
      project,
      name: "c",
      content: emailSchema,
      formatMode: FormatMode.ANNOTATE,
    });
    // Same content, another format mode: a new version.
    expect(added.created).toBe(true);
    expect(added.schemaVersion?.formatMode).toBe(FormatMode.ANNOTATE);
    const annotated = await h.schemas().validateDocument({ project, name: "c", document: doc });
    expect(annotated.valid).toBe(true);
    const pinned = await h
      .schemas()
      .validateDocument({ project, name: "c", version: 1, document: doc });
    expect(pinned.valid).toBe(false);

    const again = await h.schemas().dryRunSchemaVersion({
      project,
      name: "c",
      content: emailSchema,
      formatMode: FormatMode.ANNOTATE,
    });
    expect(again.unchanged).toBe(true);
  });

  it("refuses an unknown format mode naming format_mode", async () => {
    const project = await h.newProject();
    const err = await failureOf(
      h.schemas().createSchema({ project, name: "c", content: {}, formatMode: 9 as FormatMode }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    const [bad] = err.findDetails(BadRequestSchema);
    expect(bad?.fieldViolations.map((v) => v.field)).toEqual(["format_mode"]);
  });
});

describe("warnings", () => {
  it("come back from AddSchemaVersion and DryRunSchemaVersion without refusing", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "w", content: { type: "object" } });
    const content = { type: "object", then: { required: ["a"] }, minContains: 1, enum: [] };
    const dry = await h.schemas().dryRunSchemaVersion({ project, name: "w", content });
    const expected = [
      expect.objectContaining({ pointer: "/then", keyword: "then" }),
      expect.objectContaining({ pointer: "/minContains", keyword: "minContains" }),
      expect.objectContaining({ pointer: "/enum", keyword: "enum" }),
    ];
    expect(dry.warnings).toEqual(expected);
    const added = await h.schemas().addSchemaVersion({ project, name: "w", content });
    expect(added.created).toBe(true);
    expect(added.warnings).toEqual(expected);
  });
});
