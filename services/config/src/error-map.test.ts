import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { BadRequestSchema, LimitExceededSchema } from "@guardian/api";
import { invalidArgument, type FailedCall } from "@guardian/kit";
import { describe, expect, it } from "vitest";
import { toConfigError } from "./error-map.js";

/** A failed call of `method` with request `req` (the table reads neither ctx nor more). */
const call = (method: string, req: object = {}): FailedCall => ({
  method,
  req,
  ctx: {} as HandlerContext,
  requestId: "req-1",
});

const storeError = (code: Code) => new ConnectError("from the store", code);

describe("toConfigError", () => {
  it("turns the store's Aborted into AlreadyExists for a create, and keeps it for an update", () => {
    const req = { project: "shop", key: "limits" };
    const created = toConfigError(storeError(Code.Aborted), call("createConfig", req));
    expect(created.code).toBe(Code.AlreadyExists);
    expect(created.rawMessage).toBe('config "limits" already exists in project "shop"');
    expect(toConfigError(storeError(Code.Aborted), call("updateConfig", req)).code).toBe(
      Code.Aborted,
    );
  });

  it("names the client's idempotency key when the store says it was reused", () => {
    const reused = invalidArgument([{ field: "idempotency_key", description: "cfg-internal" }]);
    const err = toConfigError(reused, call("updateConfig", { idempotencyKey: "op-7" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.description).toBe(
      '"op-7" was already used for a different request on this config',
    );
    expect(err.rawMessage).not.toContain("cfg-internal");
  });

  it("tells a watch that fell behind to read faster, with the buffer limit named", () => {
    const err = toConfigError(storeError(Code.ResourceExhausted), call("watch"));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.findDetails(LimitExceededSchema)[0]?.limit).toBe("watch_buffer_events");
  });

  it("hides a dependency's internal error behind a generic one carrying the request id", () => {
    const err = toConfigError(storeError(Code.Internal), call("getConfig"));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error (request id req-1)");
    expect(err.rawMessage).not.toContain("store");
  });

  it("answers AlreadyExists for a project name that is taken", () => {
    const taken = Object.assign(new Error("duplicate key"), { code: "23505" });
    const err = toConfigError(taken, call("createProject", { project: "shop" }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.rawMessage).toContain('project "shop" already exists');
  });
});
