import { gzipSync } from "node:zlib";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "@guardian/api";
import { envelope, exchange } from "@guardian/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createHealth } from "../health/health.js";
import type { FastUnaryRoute } from "./fast-route.js";
import { closeAll, healthClient, start } from "./server-testing.js";

afterEach(closeAll);

/** A fast route for Health/Check that answers like the health service and counts its calls. */
function fastCheck(health: ReturnType<typeof createHealth>) {
  const served = { count: 0 };
  const route: FastUnaryRoute = {
    method: Health.method.check,
    async serve(message) {
      served.count += 1;
      const service = (message as unknown as { service: string }).service;
      const status = health.check(service);
      if (status === undefined) {
        throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      }
      const out = create(HealthCheckResponseSchema, { status });
      return {
        encode: (binary) =>
          binary
            ? toBinary(HealthCheckResponseSchema, out)
            : new TextEncoder().encode(toJsonString(HealthCheckResponseSchema, out)),
      };
    },
  };
  return { route, served };
}

async function startFast() {
  const health = createHealth();
  const { route, served } = fastCheck(health);
  const started = await start({ health, fastRoutes: [route] });
  return { ...started, served };
}

const check = "/grpc.health.v1.Health/Check";
const json = (s: string) => new TextEncoder().encode(s);
const proto = (service: string) =>
  toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service }));

/** Requests in every protocol the fast route serves; `deadline` makes Connect serve them. */
const protocols = {
  "Connect JSON": (service: string, deadline: boolean) => ({
    headers: {
      "content-type": "application/json",
      ...(deadline ? { "connect-timeout-ms": "10000" } : {}),
    },
    body: json(JSON.stringify(service === "" ? {} : { service })),
  }),
  "Connect proto": (service: string, deadline: boolean) => ({
    headers: {
      "content-type": "application/proto",
      ...(deadline ? { "connect-timeout-ms": "10000" } : {}),
    },
    body: proto(service),
  }),
  "gRPC over h2": (service: string, deadline: boolean) => ({
    h2: true,
    headers: {
      "content-type": "application/grpc",
      te: "trailers",
      ...(deadline ? { "grpc-timeout": "10S" } : {}),
    },
    body: envelope(proto(service)),
  }),
};

describe("fast unary routes", () => {
  for (const [name, request] of Object.entries(protocols)) {
    it(`answer ${name} exactly as the Connect route, for a result and for an error`, async () => {
      const { url, served, seenRequestIds } = await startFast();
      for (const service of ["", "guardian.nope.v1.Nope"]) {
        const fast = await exchange(url, check, request(service, false));
        expect(served.count).toBe(1);
        const generic = await exchange(url, check, request(service, true));
        expect(served.count).toBe(1);
        expect(fast).toEqual(generic);
        served.count = 0;
      }
      // The fast calls ran through the same interceptors as the generic ones.
      expect(seenRequestIds).toHaveLength(4);
    });
  }

  it("include the health check's own: Check answers as on the Connect route, after the interceptors", async () => {
    const { url, health, seenRequestIds } = await start();
    health.setStatus("guardian.config.v1.ConfigService", Status.NOT_SERVING);
    const services = ["", "guardian.config.v1.ConfigService", "guardian.nope.v1.Nope"];
    for (const [name, request] of Object.entries(protocols)) {
      for (const service of services) {
        const fast = await exchange(url, check, request(service, false));
        const generic = await exchange(url, check, request(service, true));
        expect(fast, `${name} ${service}`).toEqual(generic);
      }
    }
    const answered = await exchange(url, check, protocols["Connect JSON"]("", false));
    expect(JSON.parse(answered.body.toString())).toEqual({ status: "SERVING" });
    expect(seenRequestIds).toHaveLength(services.length * 2 * 3 + 1);
  });

  it("leave gRPC-Web, compressed requests, gRPC JSON and unknown protocol versions to Connect", async () => {
    const { url, served } = await startFast();
    const client = healthClient(createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }));
    expect((await client.check({})).status).toBe(Status.SERVING);
    const gzipped = await exchange(url, check, {
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(json("{}")),
    });
    expect(JSON.parse(gzipped.body.toString())).toEqual({ status: "SERVING" });
    const grpcJson = await exchange(url, check, {
      h2: true,
      headers: { "content-type": "application/grpc+json", te: "trailers" },
      body: envelope(json("{}")),
    });
    expect(grpcJson.trailers["grpc-status"]).toBe("0");
    const v2 = await exchange(url, check, {
      headers: { "content-type": "application/json", "connect-protocol-version": "2" },
      body: json("{}"),
    });
    expect(v2.status).toBe(200);
    // Health/Check has side effects as far as the proto says: Connect refuses GET.
    const get = await exchange(url, `${check}?encoding=json&message=%7B%7D`, { method: "GET" });
    expect(get.status).toBe(405);
    expect(served.count).toBe(0);
  });

  it("answer a malformed message and an oversized one with Connect's errors", async () => {
    const { url, served } = await startFast();
    const bodies = [
      json("{not json"),
      json(`{"service":"${"x".repeat(2000)}"}`),
      json('{"service":5}'),
    ];
    const answers = [];
    for (const body of bodies) {
      const headers = { "content-type": "application/json" };
      const fast = await exchange(url, check, { headers, body });
      const generic = await exchange(url, check, {
        headers: { ...headers, "connect-timeout-ms": "10000" },
        body,
      });
      expect(fast).toEqual(generic);
      answers.push(JSON.parse(fast.body.toString()) as { code: string; message: string });
    }
    expect(answers[2]).toMatchObject({
      code: "invalid_argument",
      message: "invalid service: must be a string, not 5",
    });
    expect(served.count).toBe(0);
  });

  it("compress a large answer when the client accepts gzip, as Connect does", async () => {
    const health = createHealth();
    const big = "x".repeat(4000);
    const route: FastUnaryRoute = {
      method: Health.method.check,
      serve: () => Promise.resolve({ encode: () => json(JSON.stringify({ pad: big })) }),
    };
    const { url } = await start({ health, fastRoutes: [route] });
    const res = await exchange(url, check, {
      headers: { "content-type": "application/json", "accept-encoding": "gzip" },
      body: json("{}"),
    });
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(res.body.byteLength).toBeLessThan(1000);
  });
});
