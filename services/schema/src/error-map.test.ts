import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { fromStoreError, toSchemaConnectError } from "./error-map.js";

function pgError(code: string, message = "pg failure"): Error {
  return Object.assign(new Error(message), { code });
}

describe("toSchemaConnectError", () => {
  it("maps a unique violation to AlreadyExists naming the schema", () => {
    const err = toSchemaConnectError(pgError("23505", 'duplicate key "schemas_pkey"'), {
      project: "payments",
      name: "limits",
    });
    expect([err.code, err.rawMessage]).toEqual([
      Code.AlreadyExists,
      'schema "limits" already exists in project "payments"',
    ]);
  });

  it("maps a foreign-key violation to NotFound naming the project", () => {
    const err = toSchemaConnectError(pgError("23503"), { project: "payments", name: "limits" });
    expect([err.code, err.rawMessage]).toEqual([Code.NotFound, 'project "payments" not found']);
  });

  it("maps a lost connection to Unavailable without leaking the cause", () => {
    const err = toSchemaConnectError(pgError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:5432"));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).not.toContain("10.0.0.7");
  });

  it("maps anything unknown to Internal with the request id", () => {
    const err = toSchemaConnectError(new TypeError("boom"), { requestId: "r-1" });
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
