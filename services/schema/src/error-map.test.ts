import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { fromStoreError, toSchemaError } from "./error-map.js";

function pgError(code: string, message = "pg failure"): Error {
  return Object.assign(new Error(message), { code });
}

describe("toSchemaError", () => {
  it("maps a unique violation to AlreadyExists naming the schema", () => {
    const err = toSchemaError(pgError("23505", 'duplicate key "schemas_pkey"'), {
      req: { project: "payments", name: "limits" },
      requestId: "r-1",
    });
    expect([err.code, err.rawMessage]).toEqual([
      Code.AlreadyExists,
      'schema "limits" already exists in project "payments"',
    ]);
  });

  it("maps a foreign-key violation to NotFound naming the project", () => {
    const err = toSchemaError(pgError("23503"), {
      req: { project: "payments", name: "limits" },
      requestId: "r-1",
    });
    expect([err.code, err.rawMessage]).toEqual([Code.NotFound, 'project "payments" not found']);
  });

  it("maps a lost connection to Unavailable without leaking the cause", () => {
    const err = toSchemaError(pgError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:5432"));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).not.toContain("10.0.0.7");
  });

  it("maps anything unknown to Internal with the request id", () => {
    const err = toSchemaError(new TypeError("boom"), { req: {}, requestId: "r-1" });
    expect([err.code, err.rawMessage]).toEqual([Code.Internal, "internal error (request id r-1)"]);
  });
});

describe("fromStoreError", () => {
  it("keeps Unavailable from the store and hides other store failures as Internal", () => {
    expect(fromStoreError(new ConnectError("no quorum", Code.Unavailable)).code).toBe(
      Code.Unavailable,
    );
    const other = fromStoreError(new ConnectError("bad prefix", Code.InvalidArgument));
    expect([other.code, other.rawMessage]).toEqual([Code.Internal, "internal error"]);
  });
});
