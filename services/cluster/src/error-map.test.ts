import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { LimitExceededSchema, LockHeldSchema } from "@guardian/api";
import { GRPCUnavailableError } from "etcd3";
import { describe, expect, it } from "vitest";
import { ClusterError } from "./backend/errors.js";
import { toClusterConnectError } from "./error-map.js";

describe("toClusterConnectError", () => {
  it("turns lock_held into Aborted with the holder in a LockHeld detail", () => {
    const expireTime = new Date("2030-01-01T00:00:00Z");
    const err = toClusterConnectError(
      new ClusterError("lock_held", 'lock "l" is held by "w1"', {
        lock: { name: "l", owner: "w1", expireTime },
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    const [detail] = err.findDetails(LockHeldSchema);
    expect(detail).toMatchObject({ name: "l", owner: "w1" });
    expect(timestampDate(detail!.expireTime!)).toEqual(expireTime);
  });

  it("cuts off slow consumers with ResourceExhausted and the buffer limit", () => {
    const err = toClusterConnectError(
      new ClusterError("slow_consumer", "fell behind", { bufferSize: 16 }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "watch_buffer_events",
      max: 16n,
    });
  });

  it("maps every kind to its code", () => {
    const code = (kind: ConstructorParameters<typeof ClusterError>[0]) =>
      toClusterConnectError(new ClusterError(kind, "x")).code;
    expect(code("not_found")).toBe(Code.NotFound);
    expect(code("already_exists")).toBe(Code.AlreadyExists);
    expect(code("failed_precondition")).toBe(Code.FailedPrecondition);
    expect(code("unavailable")).toBe(Code.Unavailable);
  });

  it("reports an unreachable etcd as Unavailable and hides anything unknown behind Internal", () => {
    const down = toClusterConnectError(new GRPCUnavailableError("14 UNAVAILABLE: no connection"));
    expect(down.code).toBe(Code.Unavailable);
    expect(down.rawMessage).not.toMatch(/14/);
    const cause = new TypeError("x is undefined at /srv/secret/path.ts");
    const hidden = toClusterConnectError(cause, { requestId: "req-7" });
    expect(hidden.code).toBe(Code.Internal);
    expect(hidden.rawMessage).toBe("internal error (request id req-7)");
    expect(hidden.cause).toBe(cause);
  });
});
