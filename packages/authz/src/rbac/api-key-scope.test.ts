import { describe, expect, it } from "vitest";
import {
  apiKeyProjectProblem,
  apiKeyTargetProblem,
  apiKeyWholeProjectProblem,
} from "./api-key-scope.js";

const key = { project: "payments", keyPrefix: "eu" };

describe("API-key rules", () => {
  it("confines a key to its own project and names that project", () => {
    expect(apiKeyProjectProblem(key, "payments")).toBeUndefined();
    expect(apiKeyProjectProblem(key, "billing")).toBe('this API key belongs to project "payments"');
    expect(apiKeyProjectProblem(key, undefined)).toBeDefined();
  });

  it("holds config keys and prefixes to the key prefix, segment by segment", () => {
    expect(apiKeyTargetProblem(key, { key: "eu/limits" })).toBeUndefined();
    expect(apiKeyTargetProblem(key, { key: "eu2/secret" })).toBe(
      'this API key is restricted to keys under "eu"',
    );
    expect(apiKeyTargetProblem(key, { prefix: "eu/" })).toBeUndefined();
    expect(apiKeyTargetProblem(key, { prefix: "eu" })).toBe(
      'this API key is restricted to keys under "eu"; a prefix inside it starts with "eu/"',
    );
    expect(apiKeyTargetProblem({ keyPrefix: "" }, { prefix: "" })).toBeUndefined();
  });

  it("refuses whole-project calls only to keys with a key prefix", () => {
    expect(apiKeyWholeProjectProblem(key)).toBe(
      'this API key is restricted to keys under "eu"; name a key or prefix inside it',
    );
    expect(apiKeyWholeProjectProblem({ keyPrefix: "" })).toBeUndefined();
  });
});
