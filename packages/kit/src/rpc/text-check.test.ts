import { create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  AddSchemaVersionRequestSchema,
  CreateApiKeyRequestSchema,
  CreateConfigRequestSchema,
  ListAuditEventsRequestSchema,
  WatchRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { findTextProblems } from "./text-check.js";
import { textProblem } from "./text.js";

const nul = "\u0000";

describe("strings PostgreSQL cannot store", () => {
  it("are NUL and lone surrogates; paired surrogates and other control characters are fine", () => {
    expect(textProblem(`a${nul}b`)).toContain("U+0000");
    expect(textProblem("a\ud800")).toContain("surrogate");
    expect(textProblem("\udc00a")).toContain("surrogate");
    expect(textProblem("emoji \ud83d\ude00 tab\t")).toBeUndefined();
  });

  it("are found in every field, map key and value, and inside JSON content, by field path", () => {
    const req = create(CreateConfigRequestSchema, {
      project: "payments",
      key: `eu${nul}`,
      message: `why${nul}`,
      labels: { [`team${nul}`]: "ok", env: `prod\ud800` },
      content: fromJson(ValueSchema, {
        fine: "x",
        list: ["ok", `bad${nul}`],
        [`k${nul}`]: 1,
        deep: { deeper: "\udfff" },
      }),
    });
    const found = findTextProblems(CreateConfigRequestSchema, req);
    expect(found.map((v) => v.field).sort()).toEqual(
      [
        "key",
        "message",
        "labels",
        'labels["env"]',
        'content["list"][1]',
        "content",
        'content["deep"]["deeper"]',
      ].sort(),
    );
    expect(found.find((v) => v.field === "labels")?.description).toMatch(/^keys must not/);
  });

  it("are found in oneof members and google.protobuf.Struct fields", () => {
    const watch = create(WatchRequestSchema, {
      project: "p",
      target: { case: "prefix", value: `eu/${nul}` },
    });
    expect(findTextProblems(WatchRequestSchema, watch).map((v) => v.field)).toEqual(["prefix"]);
    const schema = create(AddSchemaVersionRequestSchema, {
      project: "p",
      name: "s",
      content: {
        properties: { a: { description: `x${nul}` } },
        enum: ["ok", `b${nul}`],
        [`k${nul}`]: 1,
      },
    });
    const found = findTextProblems(AddSchemaVersionRequestSchema, schema);
    expect(found.map((v) => v.field).sort()).toEqual(
      ["content", 'content["enum"][1]', 'content["properties"]["a"]["description"]'].sort(),
    );
    expect(found.find((v) => v.field === "content")?.description).toMatch(/^keys must not/);
  });

  it("are looked for in a document's own members only, whatever its objects inherit", () => {
    // What protobuf-es builds for a "__proto__" member where Object.prototype keeps its
    // __proto__ accessor: the member's value becomes the object's prototype.
    const content = fromJson(ValueSchema, { a: 1 });
    const fields = (content.kind.value as { fields: object }).fields;
    Object.setPrototypeOf(fields, fromJson(ValueSchema, { bad: nul }));
    const req = create(CreateConfigRequestSchema, { project: "p", key: "k", content });
    expect(findTextProblems(CreateConfigRequestSchema, req)).toEqual([]);
  });

  it("leave a clean request alone, and survive deeply nested content", () => {
    const clean = create(CreateConfigRequestSchema, {
      project: "p",
      key: "eu/a",
      content: fromJson(ValueSchema, { a: ["b", { c: "d" }] }),
      labels: { env: "prod" },
    });
    expect(findTextProblems(CreateConfigRequestSchema, clean)).toEqual([]);
    let deep = create(ValueSchema, { kind: { case: "stringValue", value: nul } });
    for (let i = 0; i < 20_000; i++) {
      deep = create(ValueSchema, {
        kind: { case: "listValue", value: { values: [deep] } },
      });
    }
    const req = create(CreateConfigRequestSchema, { project: "p", key: "k", content: deep });
    expect(findTextProblems(CreateConfigRequestSchema, req)).toHaveLength(1);
  });
});

describe("times and durations out of the range their types allow", () => {
  it("are found in Timestamp and Duration fields, nested ones included", () => {
    const far = create(CreateApiKeyRequestSchema, {
      project: "p",
      name: "k",
      expireTime: { seconds: 9_000_000_000_000n, nanos: 0 },
    });
    expect(findTextProblems(CreateApiKeyRequestSchema, far)).toEqual([
      { field: "expire_time", description: "must be a time from 0001-01-01 to 9999-12-31 UTC" },
    ]);
    const list = create(ListAuditEventsRequestSchema, {
      filter: {
        startTime: { seconds: -62_135_596_801n, nanos: 0 },
        endTime: { seconds: 0n, nanos: -1 },
      },
    });
    expect(
      findTextProblems(ListAuditEventsRequestSchema, list)
        .map((v) => v.field)
        .sort(),
    ).toEqual(["filter.end_time", "filter.start_time"]);
    for (const [bookmarkInterval, bad] of [
      [{ seconds: 315_576_000_001n, nanos: 0 }, true],
      [{ seconds: 1n, nanos: -5 }, true],
      [{ seconds: 0n, nanos: 1_000_000_000 }, true],
      [{ seconds: -1n, nanos: -999_999_999 }, false],
      [{ seconds: 315_576_000_000n, nanos: 0 }, false],
    ] as const) {
      const watch = create(WatchRequestSchema, { project: "p", bookmarkInterval });
      expect(
        findTextProblems(WatchRequestSchema, watch).length,
        String(bookmarkInterval.seconds),
      ).toBe(bad ? 1 : 0);
    }
  });

  it("allow the first and last second of the range", () => {
    for (const seconds of [-62_135_596_800n, 253_402_300_799n]) {
      const req = create(CreateApiKeyRequestSchema, {
        project: "p",
        name: "k",
        expireTime: { seconds, nanos: 999_999_999 },
      });
      expect(findTextProblems(CreateApiKeyRequestSchema, req)).toEqual([]);
    }
  });
});
