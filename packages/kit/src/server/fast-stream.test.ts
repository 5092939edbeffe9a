import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  ConfigService,
  WatchRequestSchema,
  WatchResponseSchema,
  type WatchRequest,
} from "@guardian/api";
import { envelope, exchange } from "@guardian/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FastStreamRoute } from "./fast-stream.js";
import { closeAll, start } from "./server-testing.js";

afterEach(closeAll);

const watchPath = "/guardian.config.v1.ConfigService/Watch";

/**
 * A Watch implementation driven by the request's project: `ok` sends three bookmarks (and a
 * response header and trailer), `fail-first` fails before any message, `fail-later` after
 * two, `big` sends one 4 KiB message, `hang` one bookmark and then waits for its signal,
 * `late` one bookmark and another 300 ms later whatever its signal says (and counts its end).
 */
function watchImpl(seen: { aborted: number; finished: number }) {
  return async function* (req: WatchRequest, ctx: HandlerContext) {
    switch (req.project) {
      case "ok":
        ctx.responseHeader.set("x-watch", "yes");
        ctx.responseTrailer.set("x-watch-end", "done");
        for (let i = 1n; i <= 3n; i++) yield { kind: { case: "bookmark", value: { revision: i } } };
        return;
      case "fail-first":
        throw new ConnectError("no such project", Code.NotFound, { "x-why": "missing" });
      case "fail-later":
        yield { kind: { case: "bookmark", value: { revision: 1n } } };
        yield create(WatchResponseSchema, { kind: { case: "bookmark", value: { revision: 2n } } });
        throw new ConnectError("fell behind", Code.ResourceExhausted);
      case "big":
        yield {
          kind: { case: "change", value: { revision: 7n, config: { key: "k".repeat(4096) } } },
        };
        return;
      case "late":
        // Ignores its signal: its next message comes after the client has gone.
        try {
          yield { kind: { case: "bookmark", value: { revision: 1n } } };
          await sleep(300);
          yield { kind: { case: "bookmark", value: { revision: 2n } } };
          await new Promise(() => {});
        } finally {
          seen.finished += 1;
        }
        return;
      case "hang":
        yield { kind: { case: "bookmark", value: { revision: 1n } } };
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        seen.aborted += 1;
        return;
      default:
        throw new Error("a bug in the handler");
    }
  };
}

async function startWatch() {
  const seen = { aborted: 0, finished: 0, fast: 0 };
  const impl = watchImpl(seen);
  const route: FastStreamRoute = {
    method: ConfigService.method.watch,
    serve: (message: WatchRequest, ctx) => {
      seen.fast += 1;
      return impl(message, ctx);
    },
  } as FastStreamRoute;
  const started = await start({
    routes: (router) => router.service(ConfigService, { watch: impl as never }),
    fastRoutes: [route],
  });
  return { ...started, seen };
}

const request = (project: string) =>
  toBinary(WatchRequestSchema, create(WatchRequestSchema, { project }));

/** A gRPC request; `deadline` makes the Connect route serve it. */
function grpc(body: Uint8Array, deadline: boolean, extra: Record<string, string> = {}) {
  return {
    h2: true,
    headers: {
      "content-type": "application/grpc",
      te: "trailers",
      ...(deadline ? { "grpc-timeout": "10S" } : {}),
      ...extra,
    },
    body,
  };
}

/** An answer with the request id in an error message made constant. */
function masked(answer: Awaited<ReturnType<typeof exchange>>) {
  const message = answer.trailers["grpc-message"];
  if (message === undefined) return answer;
  const trailers = {
    ...answer.trailers,
    "grpc-message": message.replace(/request%20id%20[0-9a-f-]+/, "request%20id%20X"),
  };
  return { ...answer, trailers };
}

/** Opens a `hang` stream: `opened` once its first message came, `ended` with its trailers. */
function openHanging(url: string, deadline: boolean) {
  const session = http2.connect(url);
  session.on("error", () => {});
  const headers = grpc(new Uint8Array(), false).headers;
  const stream = session.request({
    ":method": "POST",
    ":path": watchPath,
    ...headers,
    // A deadline far away, only so that the Connect route serves the call.
    ...(deadline ? { "grpc-timeout": "100S" } : {}),
  });
  stream.end(envelope(request("hang")));
  let trailers: Record<string, unknown> = {};
  stream.on("trailers", (t) => (trailers = { ...t }));
  const opened = new Promise((resolve) => stream.once("data", resolve));
  const ended = new Promise<Record<string, unknown>>((resolve) =>
    stream.on("close", () => {
      session.close();
      resolve(trailers);
    }),
  );
  stream.on("data", () => {});
  return { opened, ended };
}

describe("fast stream routes", () => {
  it("answer gRPC exactly as the Connect route: messages, headers, trailers and errors", async () => {
    const { url, seen, seenRequestIds } = await startWatch();
    const bodies = [
      ...["ok", "fail-first", "fail-later", "big", "bug"].map((p) => envelope(request(p))),
      new Uint8Array(), // no request message
      envelope(new Uint8Array([0xff, 0xff, 0xff])), // not a WatchRequest
      Buffer.concat([envelope(request("ok")), envelope(request("ok"))]), // two messages
      envelope(request("ok")).subarray(0, 4), // a cut envelope
    ];
    for (const body of bodies) {
      for (const extra of [{}, { "grpc-accept-encoding": "gzip" }] as Record<string, string>[]) {
        const before = seen.fast;
        const fast = masked(await exchange(url, watchPath, grpc(body, false, extra)));
        const generic = masked(await exchange(url, watchPath, grpc(body, true, extra)));
        expect(fast).toEqual(generic);
        expect(seen.fast - before).toBeLessThanOrEqual(1);
      }
    }
    // Every call that reached a handler went through the fast route once.
    expect(seen.fast).toBe(10);
    // The fast calls ran through the same interceptors as the generic ones.
    expect(seenRequestIds).toHaveLength(bodies.length * 4);
  });

  it("send a message of 1 KiB or more gzipped when the client accepts it", async () => {
    const { url } = await startWatch();
    const res = await exchange(
      url,
      watchPath,
      grpc(envelope(request("big")), false, { "grpc-accept-encoding": "gzip" }),
    );
    expect(res.headers["grpc-encoding"]).toBe("gzip");
    expect(res.body[0]).toBe(1);
    const message = fromBinary(WatchResponseSchema, gunzipSync(res.body.subarray(5)));
    expect(message.kind.case).toBe("change");
    expect(res.trailers["grpc-status"]).toBe("0");
  });

  it("serve Connect's gRPC client, and leave Connect streams and gRPC-Web to Connect", async () => {
    const { url, seen } = await startWatch();
    const revisions = async (transport: Parameters<typeof createClient>[1]) => {
      const out: bigint[] = [];
      for await (const m of createClient(ConfigService, transport).watch({ project: "ok" })) {
        if (m.kind.case === "bookmark") out.push(m.kind.value.revision);
      }
      return out;
    };
    expect(await revisions(createGrpcTransport({ baseUrl: url }))).toEqual([1n, 2n, 3n]);
    expect(seen.fast).toBe(1);
    expect(await revisions(createConnectTransport({ baseUrl: url, httpVersion: "2" }))).toEqual([
      1n,
      2n,
      3n,
    ]);
    expect(await revisions(createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }))).toEqual([
      1n,
      2n,
      3n,
    ]);
    expect(seen.fast).toBe(1);
    const failed = createClient(ConfigService, createGrpcTransport({ baseUrl: url })).watch({
      project: "fail-first",
    });
    await expect(failed[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: Code.NotFound,
      rawMessage: "no such project",
    });
  });

  it("end open streams at shutdown as the Connect route does", async () => {
    const { server, url, seen } = await startWatch();
    const fast = openHanging(url, false);
    const generic = openHanging(url, true);
    await Promise.all([fast.opened, generic.opened]);
    expect(seen.fast).toBe(1);
    await server.close();
    const [a, b] = await Promise.all([fast.ended, generic.ended]);
    expect(a["grpc-status"]).toBe("0");
    expect(a).toEqual(b);
    expect(seen.aborted).toBe(2);
  });

  it("tie each open stream to the server's shutdown without a listener on a signal all share", async () => {
    // Listeners of "abort" per signal: an EventTarget walks all of its listeners to add one,
    // so one per call on a signal every call shares makes each new stream slower.
    const counts = new Map<EventTarget, number>();
    const add = EventTarget.prototype.addEventListener;
    const spy = vi.spyOn(EventTarget.prototype, "addEventListener").mockImplementation(function (
      this: EventTarget,
      type,
      listener,
      options,
    ) {
      if (type === "abort") counts.set(this, (counts.get(this) ?? 0) + 1);
      add.call(this, type, listener, options);
    });
    try {
      const { server, url, seen } = await startWatch();
      const n = 20;
      // Half on the fast route, half (with a deadline) on Connect's.
      const streams = Array.from({ length: n }, (_, i) => openHanging(url, i % 2 === 1));
      await Promise.all(streams.map((s) => s.opened));
      expect(seen.fast).toBe(n / 2);
      expect(Math.max(...counts.values())).toBeLessThan(n / 2);
      await server.close();
      for (const trailers of await Promise.all(streams.map((s) => s.ended))) {
        expect(trailers["grpc-status"]).toBe("0");
      }
      expect(seen.aborted).toBe(n);
    } finally {
      spy.mockRestore();
    }
  });

  // A client that cancels its stream once the first message came: with `late`, the
  // handler's next message comes after the stream closed; with `hang`, it waits for its signal.
  for (const [project, what, count] of [
    ["late", "close the handler's stream when a message comes after", "finished"],
    ["hang", "abort the handler's signal when", "aborted"],
  ] as const) {
    it(`${what} the client cancels the stream`, async () => {
      const { url, seen } = await startWatch();
      const session = http2.connect(url);
      try {
        const stream = session.request({
          ":method": "POST",
          ":path": watchPath,
          ...grpc(new Uint8Array(), false).headers,
        });
        stream.end(envelope(request(project)));
        await new Promise((resolve) => stream.once("data", resolve));
        expect(seen.fast).toBe(1);
        stream.close(http2.constants.NGHTTP2_CANCEL);
        for (let i = 0; i < 100 && seen[count] === 0; i++) await sleep(20);
        expect(seen[count]).toBe(1);
      } finally {
        session.close();
      }
    });
  }
});
