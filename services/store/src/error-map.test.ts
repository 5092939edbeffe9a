import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  BadRequestSchema,
  LimitExceededSchema,
  VersionConflictSchema,
  WriteRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { GRPCGenericError } from "etcd3";
import { toStoreError } from "./engine/etcd/calls.js";
import { StoreError, type StoreErrorKind } from "./engine/errors.js";
import { toStoreConnectError } from "./error-map.js";

describe("toStoreConnectError", () => {
  it("turns a version conflict of a write into Aborted with a VersionConflict detail", () => {
    const req = create(WriteRequestSchema, { project: "p", key: "k", expectedVersion: 4n });
    const err = toStoreConnectError(
      new StoreError("version_conflict", 'config "k" is at version 7, not 4', {
        currentVersion: 7n,
      }),
      { method: "write", req, requestId: "r" },
    );
    expect(err.code).toBe(Code.Aborted);
    expect(err.findDetails(VersionConflictSchema)[0]).toMatchObject({
      project: "p",
      key: "k",
      expectedVersion: 4n,
      currentVersion: 7n,
    });
  });

  it("names idempotency_key in a BadRequest detail when a key is reused", () => {
    const err = toStoreConnectError(new StoreError("idempotency_mismatch", "reused"));
    expect(err.code).toBe(Code.InvalidArgument);
    const [detail] = err.findDetails(BadRequestSchema);
    expect(detail?.fieldViolations.map((v) => v.field)).toEqual(["idempotency_key"]);
  });

  it("cuts off a slow watcher with ResourceExhausted and the buffer limit", () => {
    const err = toStoreConnectError(
      new StoreError("slow_consumer", "fell behind", { bufferSize: 16 }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "watch_buffer_events",
      max: 16n,
    });
  });

  it("maps every other kind to its code and anything unknown to Internal", () => {
    const code = (kind: StoreErrorKind) => toStoreConnectError(new StoreError(kind, "x")).code;
    expect(code("not_found")).toBe(Code.NotFound);
    expect(code("compacted")).toBe(Code.OutOfRange);
    expect(code("future_revision")).toBe(Code.OutOfRange);
    expect(code("min_revision_timeout")).toBe(Code.Unavailable);
    expect(code("unavailable")).toBe(Code.Unavailable);
    expect(code("too_large")).toBe(Code.ResourceExhausted);
    expect(code("no_space")).toBe(Code.ResourceExhausted);
    // etcd's NOSPACE alarm comes as a gRPC error: out of space, not "retry now".
    const full = toStoreError(
      new GRPCGenericError("etcdserver: mvcc: database space exceeded"),
      "write the config",
    );
    expect(full).toMatchObject({ kind: "no_space" });
    expect(toStoreConnectError(full).code).toBe(Code.ResourceExhausted);
    expect(toStoreConnectError(new Error("boom")).code).toBe(Code.Internal);
    // The SQL engine's database: "retry", never the Aborted of a version conflict.
    const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
    expect(toStoreConnectError(pg("40001")).code).toBe(Code.Unavailable);
    expect(toStoreConnectError(pg("40P01")).code).toBe(Code.Unavailable);
    expect(toStoreConnectError(pg("55P03")).code).toBe(Code.Unavailable);
    expect(toStoreConnectError(pg("57014")).code).toBe(Code.DeadlineExceeded);
  });
});
