import { create, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { StoreService, VersionConflictSchema } from "@guardian/api";
import { startTcpProxy } from "@guardian/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, healthClient, start } from "../server/server-testing.js";
import { createServiceTransport, isOutcomeUnknown, serviceCallError } from "./service-client.js";

const write: DescMethod = StoreService.method.write;
const get: DescMethod = StoreService.method.get;
const answered = { "content-type": "application/json" };
const conflict = {
  desc: VersionConflictSchema,
  value: create(VersionConflictSchema, { expectedVersion: 1n, currentVersion: 2n }),
};

function classify(err: unknown, method = write, signal?: AbortSignal): ConnectError {
  return serviceCallError(err, method, { signal, writes: new Set(["write"]) }) as ConnectError;
}

describe("classifying failed service-to-service calls", () => {
  it("passes on the other service's own answers, a version conflict included", () => {
    const notFound = new ConnectError("no", Code.NotFound, answered);
    expect(classify(notFound)).toBe(notFound);
    const grpcConflict = new ConnectError("v", Code.Aborted, { "grpc-status": "10" }, [conflict]);
    expect(classify(grpcConflict)).toBe(grpcConflict);
  });

  it("never lets an Aborted without a VersionConflict detail pass as a conflict", () => {
    const err = classify(new ConnectError("reset", Code.Aborted, answered));
    expect(err.code).toBe(Code.Unavailable);
    expect(isOutcomeUnknown(err)).toBe(true);
  });

  it("turns a connection that broke mid-write into Unavailable with an unknown outcome", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    for (const broken of [
      new ConnectError("reset", Code.Aborted, undefined, undefined, reset),
      new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled),
      new ConnectError("protocol error", Code.Internal),
    ]) {
      const err = classify(broken);
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toContain("outcome is unknown");
      expect(isOutcomeUnknown(err)).toBe(true);
      expect(err.cause).toBe(broken);
    }
  });

  it("says nothing was changed when the connection was refused, and retry for reads", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const err = classify(new ConnectError("x", Code.Unavailable, undefined, undefined, refused));
    expect(err.rawMessage).toContain("nothing was changed");
    expect(isOutcomeUnknown(err)).toBe(false);
    const read = classify(new ConnectError("x", Code.Canceled), get);
    expect(read.code).toBe(Code.Unavailable);
    expect(isOutcomeUnknown(read)).toBe(false);
  });

  it("classifies once when a client is guarded twice", () => {
    const cut = new ConnectError(
      "http/2 stream closed with error code CANCEL (0x8)",
      Code.Canceled,
    );
    const once = classify(cut);
    expect(classify(once)).toBe(once);
    expect(isOutcomeUnknown(classify(once))).toBe(true);
    const read = classify(cut, get);
    expect(classify(read, get)).toBe(read);
  });

  it("keeps the error of a call the caller cancelled", () => {
    const ac = new AbortController();
    ac.abort();
    const canceled = new ConnectError("canceled", Code.Canceled);
    expect(classify(canceled, write, ac.signal)).toBe(canceled);
  });

  it("answers with the caller's own deadline when it ended the call, not with the cut stream", () => {
    const ac = new AbortController();
    const deadline = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    ac.abort(deadline);
    for (const m of [write, get]) {
      const cut = new ConnectError(
        "http/2 stream closed with error code CANCEL (0x8)",
        Code.Canceled,
      );
      expect(classify(cut, m, ac.signal)).toBe(deadline);
    }
  });
});

describe("the transport of service-to-service calls", () => {
  afterEach(closeAll);

  it("fails an open stream to a service that vanished without closing its connection", async () => {
    const { url } = await start();
    const proxy = await startTcpProxy(url);
    try {
      const transport = createServiceTransport({
        baseUrl: proxy.url,
        pingIntervalMs: 200,
        pingTimeoutMs: 300,
      });
      const stream = healthClient(transport).watch({})[Symbol.asyncIterator]();
      expect((await stream.next()).done).toBe(false);
      proxy.freeze();
      const began = Date.now();
      // Nothing comes through any more; only the unanswered PING can end the wait.
      const ended = await stream.next().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(ended).toBeInstanceOf(ConnectError);
      expect(Date.now() - began).toBeLessThan(5_000);
    } finally {
      await proxy.close();
    }
  });
});
