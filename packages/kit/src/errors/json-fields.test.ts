import {
  CreateConfigRequestSchema,
  CreateSchemaRequestSchema,
  ReportConfigStatusRequestSchema,
  UpdateSchemaRequestSchema,
  WatchRequestSchema,
} from "@guardian/api";
import type { DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { jsonFieldViolation } from "./json-fields.js";

describe("jsonFieldViolation", () => {
  const cases: [DescMessage, unknown, string, string][] = [
    [
      CreateSchemaRequestSchema,
      { project: "p", content: true },
      "content",
      "must be a JSON object, not true",
    ],
    [CreateSchemaRequestSchema, { content: [1, 2] }, "content", "must be a JSON object, not [1,2]"],
    [CreateConfigRequestSchema, { key: 7 }, "key", "must be a string, not 7"],
    [
      CreateConfigRequestSchema,
      { labels: { a: "b", c: 5 } },
      'labels["c"]',
      "must be a string, not 5",
    ],
    [CreateConfigRequestSchema, { labels: ["a"] }, "labels", 'must be a JSON object, not ["a"]'],
    [
      WatchRequestSchema,
      { bookmarkInterval: "soon" },
      "bookmark_interval",
      'must be a duration string in seconds, such as "1.5s", not "soon"',
    ],
    [
      WatchRequestSchema,
      { start_revision: "1.5" },
      "start_revision",
      'must be an integer within its range (a number, or a string of digits), not "1.5"',
    ],
    [
      WatchRequestSchema,
      { includePrevious: "yes" },
      "include_previous",
      'must be true or false, not "yes"',
    ],
    [
      UpdateSchemaRequestSchema,
      { updateMask: 5 },
      "update_mask",
      'must be a string of comma-separated field names, such as "name,labels", not 5',
    ],
    [
      ReportConfigStatusRequestSchema,
      {
        statuses: [
          { key: "a", version: "1" },
          { key: "b", version: "x" },
        ],
      },
      "statuses[1].version",
      'must be an integer within its range (a number, or a string of digits), not "x"',
    ],
    [
      ReportConfigStatusRequestSchema,
      { statuses: [{ outcome: true }] },
      "statuses[0].outcome",
      "must be one of the names of guardian.config.v1.ApplyOutcome, not true",
    ],
    [
      ReportConfigStatusRequestSchema,
      { statuses: [7] },
      "statuses[0]",
      "must be a JSON object (guardian.config.v1.ConfigStatusReport), not 7",
    ],
    [ReportConfigStatusRequestSchema, { statuses: {} }, "statuses", "must be a JSON array, not {}"],
  ];

  it.each(cases.map(([desc, json, field, description]) => ({ desc, json, field, description })))(
    "names $field",
    ({ desc, json, field, description }) => {
      expect(jsonFieldViolation(desc, json)).toEqual({ field, description });
    },
  );

  it("blames nothing in a message that decodes, or a request that is not an object", () => {
    expect(
      jsonFieldViolation(CreateSchemaRequestSchema, { project: "p", content: {} }),
    ).toBeUndefined();
    // Unknown fields are ignored, as Connect's JSON codec does.
    expect(jsonFieldViolation(CreateSchemaRequestSchema, { nope: true })).toBeUndefined();
    expect(jsonFieldViolation(CreateSchemaRequestSchema, [1])).toBeUndefined();
    expect(jsonFieldViolation(CreateSchemaRequestSchema, "x")).toBeUndefined();
  });

  it("quotes at most 40 characters of what was sent", () => {
    const long = "x".repeat(1000);
    const found = jsonFieldViolation(WatchRequestSchema, { includePrevious: long });
    expect(found?.description).toBe(`must be true or false, not "${"x".repeat(39)}…`);
  });

  it("says a string is refused for a lone surrogate, in a value or a key", () => {
    expect(jsonFieldViolation(CreateConfigRequestSchema, { labels: { team: "x\ud800" } })).toEqual({
      field: 'labels["team"]',
      description: "must not contain a lone surrogate (invalid UTF8)",
    });
    expect(jsonFieldViolation(CreateConfigRequestSchema, { labels: { "\udc00": "x" } })).toEqual({
      field: "labels",
      description: "keys must not contain a lone surrogate (invalid UTF8)",
    });
    expect(jsonFieldViolation(CreateConfigRequestSchema, { key: "a\ud800b" })).toEqual({
      field: "key",
      description: "must not contain a lone surrogate (invalid UTF8)",
    });
  });

  it("never throws, whatever the nesting", () => {
    const deep = (depth: number): unknown => (depth === 0 ? 1 : [deep(depth - 1)]);
    for (const value of [deep(5_000), { a: deep(5_000) }]) {
      expect(() => jsonFieldViolation(CreateSchemaRequestSchema, { content: value })).not.toThrow();
      expect(() =>
        jsonFieldViolation(ReportConfigStatusRequestSchema, { statuses: value }),
      ).not.toThrow();
    }
  });
});
