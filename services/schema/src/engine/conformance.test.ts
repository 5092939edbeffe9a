import { ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { compileCandidate, compileStored } from "./compile.js";
import type { ConformanceCase } from "./conformance/case.js";
import { core2020 } from "./conformance/core-2020-12.js";
import { draft07 } from "./conformance/draft-07.js";
import { formatCases } from "./conformance/formats.js";
import { refs2020 } from "./conformance/refs-2020-12.js";
import { unevaluated2020 } from "./conformance/unevaluated-2020-12.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import { refusalOf } from "../testing/refusal.js";

const draft07Id = "http://json-schema.org/draft-07/schema#";

interface Outcome {
  name: string;
  expected: boolean;
  actual: boolean | string;
}

function run(dialect: string, cases: ConformanceCase[], formats: FormatMode = "assert") {
  const outcomes: Outcome[] = [];
  for (const c of cases) {
    const declared = dialect === "draft-07" && typeof c.schema === "object";
    const schema = declared ? { $schema: draft07Id, ...(c.schema as object) } : c.schema;
    let validate: ((data: unknown) => boolean) | string;
    try {
      const compiled = compileCandidate(schema, { formats });
      validate = (data) => compiled.validate(data).length === 0;
    } catch (err) {
      validate = `refused: ${err instanceof ConnectError ? err.rawMessage : String(err)}`;
    }
    c.tests.forEach(([data, expected, what], i) => {
      const name = `${dialect === "draft-07" ? "draft-07" : "draft 2020-12"} / ${c.description} / ${what ?? `#${i}`}`;
      const actual = typeof validate === "string" ? validate : validate(data);
      outcomes.push({ name, expected: formats === "assert" ? expected : true, actual });
    });
  }
  return outcomes;
}

/** Every case validates as JSON Schema says, and no valid schema is refused. */
function expectConformance(outcomes: Outcome[]) {
  const mismatches = outcomes.filter((o) => o.actual !== o.expected).map((o) => o.name);
  expect(mismatches, "cases validated differently from JSON Schema").toEqual([]);
  expect(outcomes.filter((o) => typeof o.actual === "string")).toEqual([]);
}

describe("JSON Schema conformance", () => {
  it("accepts and validates the draft 2020-12 keyword corpus", () => {
    expectConformance(run("draft-2020-12", core2020));
  });

  it("accepts and validates draft 2020-12 references, anchors and dynamic references", () => {
    expectConformance(run("draft-2020-12", refs2020));
  });

  it("accepts and validates unevaluatedProperties and unevaluatedItems", () => {
    expectConformance(run("draft-2020-12", unevaluated2020));
  });

  it("accepts and validates the draft-07 corpus", () => {
    expectConformance(run("draft-07", draft07));
  });

  it("asserts formats in both dialects by default", () => {
    expectConformance([...run("draft-2020-12", formatCases), ...run("draft-07", formatCases)]);
  });

  it("never fails a document on format when the format mode is annotate", () => {
    expectConformance(run("draft-2020-12", formatCases, "annotate"));
  });

  it("validates stored schemas exactly as when they were added", () => {
    const schema = unevaluated2020[3]!.schema;
    const stored = compileStored(schema, "draft-2020-12");
    const candidate = compileCandidate(schema);
    for (const [data] of unevaluated2020[3]!.tests) {
      expect(stored.validate(data)).toEqual(candidate.validate(data));
    }
  });
});

describe("invalid schemas", () => {
  it("refuses an empty enum in draft-07, whose meta-schema requires an item", () => {
    expect(() => compileCandidate({ $schema: draft07Id, enum: [] })).toThrow(/fewer than 1 items/);
  });
});

describe("references outside the document", () => {
  const cases: [schema: Record<string, unknown>, pointer: string][] = [
    [{ $ref: "https://example.com/remote.json" }, "/$ref"],
    [
      { properties: { a: { $ref: "http://localhost:1234/integer.json#/x" } } },
      "/properties/a/$ref",
    ],
    [{ $id: "https://example.com/root.json", items: { $ref: "other.json" } }, "/items/$ref"],
    [{ anyOf: [{ $ref: "urn:example:missing" }] }, "/anyOf/0/$ref"],
    [{ $schema: draft07Id, items: [{ $ref: "folder/x.json" }] }, "/items/0/$ref"],
  ];

  it.each(cases)("refuses %j, naming the reference", (schema, pointer) => {
    expect(refusalOf(schema).violations).toEqual([
      expect.objectContaining({
        pointer,
        keyword: "$ref",
        message: expect.stringContaining("schemas are never fetched") as string,
      }),
    ]);
  });
});
