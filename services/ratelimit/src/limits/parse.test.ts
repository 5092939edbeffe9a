import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testdata } from "../testing/testdata.js";
import { LimitsConfigError } from "./config.js";
import { findLimit, wildcardMatches } from "./match.js";
import { parseLimits } from "./parse.js";

const yaml = `
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 600 }
  - key: remote_address
    rate_limit: { unit: second, requests_per_unit: 50 }
  - key: remote_address
    value: 10.0.0.7
    unlimited: true
  - key: project
    descriptors:
      - key: api_key
        rate_limit: { unit: hour, requests_per_unit: 1000 }
      - key: api_key
        value: trusted
        rate_limit: { unit: day, requests_per_unit: 5 }
`;

describe("parseLimits", () => {
  it("reads the domain and the descriptor tree", () => {
    const config = parseLimits(yaml);
    expect(config.domain).toBe("guardian");
    expect(config.descriptors.map((d) => [d.key, d.value ?? null])).toEqual([
      ["user", null],
      ["remote_address", null],
      ["remote_address", "10.0.0.7"],
      ["project", null],
    ]);
    expect(config.descriptors[0]?.rateLimit).toEqual({ unit: "minute", requestsPerUnit: 600 });
    expect(config.descriptors[2]?.unlimited).toBe(true);
  });

  it("lists every problem with its location: unknown fields, bad units, bad numbers, duplicates", () => {
    const bad = `
domain: guardian
extra: 1
descriptors:
  - key: user
    rate_limit: { unit: fortnight, requests_per_unit: -1 }
  - key: user
  - key: ""
    value: [3]
    unlimited: "yes"
  - key: api_key
    rate_limit: { unit: second, requests_per_unit: 5, burst: 10 }
    unlimited: true
`;
    let error: unknown;
    try {
      parseLimits(bad, "limits.yaml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LimitsConfigError);
    expect((error as LimitsConfigError).problems).toEqual([
      "extra: unknown field",
      'descriptors[0].rate_limit.unit: invalid unit "fortnight", expected one of second, minute, hour, day, month, year',
      "descriptors[0].rate_limit.requests_per_unit: expected an integer between 0 and 4294967295",
      "descriptors[1]: duplicate descriptor user",
      "descriptors[2].key: expected a non-empty string",
      "descriptors[2].value: expected a non-empty string",
      "descriptors[2].unlimited: expected true or false",
      "descriptors[3].rate_limit.burst: unknown field",
      "descriptors[3]: rate_limit and unlimited exclude each other",
    ]);
    expect((error as Error).message).toContain("limits.yaml");
  });

  it("rejects a file without a domain and text that is not YAML", () => {
    expect(() => parseLimits("descriptors: []")).toThrow(/domain: expected a non-empty string/);
    expect(() => parseLimits("domain: [")).toThrow(/not valid YAML/);
    expect(() => parseLimits("- 1")).toThrow(/expected a mapping/);
  });
});

describe("findLimit", () => {
  const config = parseLimits(yaml);

  it("matches a key-only node for any value", () => {
    expect(findLimit(config, [{ key: "user", value: "alice" }])).toEqual({
      kind: "limited",
      domain: "guardian",
      name: "user",
      limitName: undefined,
      replaces: [],
      requestsPerUnit: 600,
      unit: "minute",
      periodMs: 60_000,
      shadow: false,
      detailed: false,
    });
  });

  it("prefers the node with the exact value over the key-only node", () => {
    expect(findLimit(config, [{ key: "remote_address", value: "10.0.0.7" }])).toEqual({
      kind: "unlimited",
      domain: "guardian",
      name: "remote_address=10.0.0.7",
      limitName: undefined,
      replaces: [],
    });
    expect(findLimit(config, [{ key: "remote_address", value: "10.0.0.8" }])?.name).toBe(
      "remote_address",
    );
  });

  it("walks nested descriptors one level per entry", () => {
    const entries = (key: string) => [
      { key: "project", value: "payments" },
      { key: "api_key", value: key },
    ];
    expect(findLimit(config, entries("k1"))).toMatchObject({
      name: "project.api_key",
      unit: "hour",
    });
    expect(findLimit(config, entries("trusted"))).toMatchObject({
      name: "project.api_key=trusted",
      requestsPerUnit: 5,
    });
  });

  it("does not limit descriptors that leave the tree or stop at a node without a limit", () => {
    expect(findLimit(config, [{ key: "tenant", value: "x" }])).toBeUndefined();
    expect(findLimit(config, [{ key: "project", value: "payments" }])).toBeUndefined();
    expect(
      findLimit(config, [
        { key: "user", value: "alice" },
        { key: "method", value: "Get" },
      ]),
    ).toBeUndefined();
    expect(findLimit(config, [])).toBeUndefined();
  });
});

describe("envoyproxy/ratelimit's format", () => {
  it("reads names, replaces, shadow_mode, detailed_metric, wildcards and unlimited limits", () => {
    const config = parseLimits(`
domain: edge
descriptors:
  - key: path
    value: "/api/*/items/*"
    shadow_mode: true
    detailed_metric: true
    rate_limit:
      name: items
      unit: Hour
      requests_per_unit: 0
  - key: partner
    value: 42
    rate_limit:
      unlimited: true
      requests_per_unit: 5
      replaces: [{ name: items }]
`);
    const [path, partner] = config.descriptors;
    expect(path).toMatchObject({
      value: "/api/*/items/*",
      wildcard: ["/api/", "/items/", ""],
      rateLimit: { unit: "hour", requestsPerUnit: 0 },
      name: "items",
      shadowMode: true,
      detailedMetric: true,
      unlimited: false,
    });
    expect(partner).toMatchObject({
      value: "42",
      wildcard: undefined,
      rateLimit: undefined,
      unlimited: true,
      replaces: ["items"],
    });
  });

  it("reads Guardian's unlimited beside the key the same as rate_limit.unlimited", () => {
    const guardian = parseLimits("domain: d\ndescriptors:\n  - key: a\n    unlimited: true\n");
    const envoy = parseLimits(
      "domain: d\ndescriptors:\n  - key: a\n    rate_limit: { unlimited: true }\n",
    );
    expect(guardian).toEqual(envoy);
  });

  const invalid: Record<string, string[]> = {
    "unknown-field.yaml": [
      "descriptors[0].descriptor: unknown field",
      "descriptors[0].rate_limit.request_per_unit: unknown field",
      "descriptors[0].rate_limit.requests_per_unit: required an integer between 0 and 4294967295",
    ],
    "bad-unit.yaml": [
      'descriptors[0].rate_limit.unit: invalid unit "fortnight", expected one of second, minute, hour, day, month, year',
      "descriptors[1].rate_limit.unit: required, expected one of second, minute, hour, day, month, year",
    ],
    "duplicate.yaml": [
      "descriptors[1]: duplicate descriptor path=/api/*",
      "descriptors[2].descriptors[1]: duplicate descriptor action",
    ],
    "unlimited-with-unit.yaml": [
      "descriptors[0].rate_limit.unit: an unlimited limit has no unit",
      "descriptors[1]: rate_limit and unlimited exclude each other",
    ],
    "replaces.yaml": [
      "descriptors[0].rate_limit.replaces[1].other: unknown field",
      "descriptors[0].rate_limit.replaces[1].name: expected a non-empty string",
      "descriptors[0].rate_limit.replaces: a limit cannot replace itself (users)",
    ],
    "unsupported.yaml": [
      "descriptors[0].quota_mode: envoyproxy/ratelimit's quota mode is not supported",
      "descriptors[0].value_to_metric: envoyproxy/ratelimit's values in metric names are not supported (use detailed_metric)",
    ],
  };

  it.each(Object.entries(invalid))(
    "rejects invalid/%s naming the path of every problem",
    (file, want) => {
      const path = testdata(`invalid/${file}`);
      let error: unknown;
      try {
        parseLimits(readFileSync(path, "utf8"), path);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LimitsConfigError);
      expect((error as LimitsConfigError).problems).toEqual(want);
      expect((error as Error).message).toContain(path);
    },
  );

  it("has an expectation for every file of testdata/invalid", () => {
    expect(readdirSync(testdata("invalid")).sort()).toEqual(Object.keys(invalid).sort());
  });
});

describe("wildcardMatches", () => {
  const m = (pattern: string, value: string) => wildcardMatches(pattern.split("*"), value);

  it("lets each * stand for any text, also none, in order and without overlap", () => {
    expect(m("a*", "a")).toBe(true);
    expect(m("a*", "abc")).toBe(true);
    expect(m("a*", "ba")).toBe(false);
    expect(m("*z", "xyz")).toBe(true);
    expect(m("a*c*e", "abcde")).toBe(true);
    expect(m("a*c*e", "ace")).toBe(true);
    expect(m("a*c*e", "aec")).toBe(false);
    expect(m("ab*ba", "aba")).toBe(false);
    expect(m("a*b*b", "ab")).toBe(false);
    expect(m("a*b*b", "abb")).toBe(true);
    expect(m("*", "")).toBe(true);
    expect(m("plain", "plain")).toBe(true);
  });
});
