import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { badRequest, invalidArgument } from "./bad-request.js";
import { createErrorMapper } from "./error-mapper.js";
import { internalError } from "./internal.js";
import { isPgConnectionLoss, isPgError, pgCodes, pgErrorRules } from "./pg.js";

function pgError(code: string, message = "pg failure"): Error {
  return Object.assign(new Error(message), { code });
}

describe("invalidArgument", () => {
  it("quotes at most 300 characters of a field or description, in the message and the detail", () => {
    const key = "😀".repeat(70_000);
    const err = invalidArgument([{ field: "labels", description: `label key "${key}" is bad` }]);
    const violation = err.findDetails(BadRequestSchema)[0]!.fieldViolations[0]!;
    expect(Array.from(violation.description)).toHaveLength(301);
    expect(violation.description.endsWith("…")).toBe(true);
    expect(err.rawMessage.length).toBeLessThan(1_000);
  });

  it("lists at most 20 violations and counts the rest, however many a request has", () => {
    const requested = Array.from({ length: 1_000_000 }, (_, i) => ({
      field: `tags[${i}]`,
      description: "must not be empty",
    }));
    const err = invalidArgument(requested);
    const listed = err.findDetails(BadRequestSchema)[0]!.fieldViolations;
    expect(listed.map((v) => v.field)).toEqual(requested.slice(0, 20).map((v) => v.field));
    expect(err.rawMessage).toMatch(
      /^invalid request: tags\[0\]: must not be empty; .*; and 999980 more problems not listed$/,
    );
    expect(err.rawMessage.length).toBeLessThan(1_000);
  });
});

describe("internalError", () => {
  it("sends a generic message with the request id and keeps the real error as cause", () => {
    const cause = new Error("password authentication failed for user guardian");
    const err = internalError(cause, "req-42");
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error (request id req-42)");
    expect(err.message).not.toContain("password");
    expect(err.cause).toBe(cause);
  });

  it("omits the request id when there is none", () => {
    expect(internalError("boom").rawMessage).toBe("internal error");
  });
});

describe("createErrorMapper", () => {
  const mapper = createErrorMapper([
    { match: (e) => e instanceof RangeError, code: Code.OutOfRange, message: (e) => String(e) },
    ...pgErrorRules,
  ]);

  it("passes ConnectErrors through unchanged", () => {
    const original = new ConnectError("no such project", Code.NotFound);
    expect(mapper(original)).toBe(original);
  });

  it("maps pg unique violations to AlreadyExists without leaking SQL", () => {
    const cause = pgError(pgCodes.uniqueViolation, 'duplicate key value violates "projects_pkey"');
    const err = mapper(cause);
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.rawMessage).toBe("already exists");
    expect(err.cause).toBe(cause);
  });

  it("maps serialization failures and deadlocks to Aborted", () => {
    expect(mapper(pgError(pgCodes.serializationFailure)).code).toBe(Code.Aborted);
    expect(mapper(pgError(pgCodes.deadlockDetected)).code).toBe(Code.Aborted);
  });

  it("maps lost database connections to Unavailable", () => {
    expect(mapper(pgError("ECONNREFUSED")).code).toBe(Code.Unavailable);
    expect(mapper(pgError(pgCodes.adminShutdown)).code).toBe(Code.Unavailable);
    expect(mapper(new Error("Connection terminated unexpectedly")).code).toBe(Code.Unavailable);
    // The pool's connectionTimeoutMillis ran out: the database could not be reached.
    expect(mapper(new Error("timeout exceeded when trying to connect")).code).toBe(
      Code.Unavailable,
    );
  });

  it("maps a canceled query to DeadlineExceeded and a lock not had in time to Unavailable", () => {
    expect(mapper(pgError(pgCodes.queryCanceled)).code).toBe(Code.DeadlineExceeded);
    expect(mapper(pgError(pgCodes.lockNotAvailable)).code).toBe(Code.Unavailable);
  });

  it("uses the rule's message builder when given", () => {
    expect(mapper(new RangeError("page 9 of 3")).rawMessage).toBe("RangeError: page 9 of 3");
  });

  it("falls back to a generic Internal error that keeps the cause", () => {
    const cause = new TypeError("cannot read properties of undefined");
    const err = mapper(cause, "abc");
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error (request id abc)");
    expect(err.cause).toBe(cause);
  });
});

describe("pg predicates", () => {
  it("matches any of the given codes and nothing without a code", () => {
    expect(isPgError(pgError("23505"), "23505", "23503")).toBe(true);
    expect(isPgError(pgError("23514"), "23505")).toBe(false);
    expect(isPgError(new Error("x"), "23505")).toBe(false);
    expect(isPgError(null, "23505")).toBe(false);
  });

  it("recognises connection loss but not constraint errors", () => {
    expect(isPgConnectionLoss(pgError("08006"))).toBe(true);
    expect(isPgConnectionLoss(pgError("23505"))).toBe(false);
  });
});

describe("badRequest", () => {
  it("throws InvalidArgument naming the field", () => {
    let thrown: unknown;
    try {
      badRequest("project_id", "must be 3-63 characters of a-z, 0-9 and '-'");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConnectError);
    const err = thrown as ConnectError;
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe("invalid project_id: must be 3-63 characters of a-z, 0-9 and '-'");
    const [detail] = err.findDetails(BadRequestSchema);
    expect(detail?.fieldViolations.map((v) => [v.field, v.description])).toEqual([
      ["project_id", "must be 3-63 characters of a-z, 0-9 and '-'"],
    ]);
  });

  it("names every field when several are invalid", () => {
    const err = invalidArgument([
      { field: "key", description: "must not be empty" },
      { field: "labels[team]", description: "too long" },
    ]);
    expect(err.rawMessage).toBe("invalid request: key: must not be empty; labels[team]: too long");
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations).toHaveLength(2);
  });
});
