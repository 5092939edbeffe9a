import {
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  toJsonString,
  type JsonValue,
} from "@bufbuild/protobuf";
import { UpdateConfigRequestSchema, UpdateConfigResponseSchema } from "@guardian/api";
import { envelope, exchange, type Exchange, type ExchangeInit } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonCaller } from "./testing/json-caller.js";
import { startUnlimitedDev, type UnlimitedDev } from "./testing/unlimited-dev.js";
import { codeOf, configCalls } from "./testing/wire-codes.js";
import type { RunningGuardian } from "@guardian/testkit";

/** An UpdateConfigRequest in its JSON form. */
type UpdateInit = { [field: string]: JsonValue };

const path = "/guardian.config.v1.ConfigService/UpdateConfig";
const utf8 = new TextEncoder();

/**
 * UpdateConfig in every protocol its fast route serves. `generic` adds a deadline header,
 * which the fast route leaves to Connect's generic route: the same server, the same call.
 */
const protocols: Record<
  string,
  { build(body: Uint8Array | UpdateInit, generic: boolean): ExchangeInit; binary: boolean }
> = {
  "Connect POST JSON": {
    binary: false,
    build: (req, generic) => ({
      headers: { "content-type": "application/json", ...deadline(generic, "connect") },
      body:
        req instanceof Uint8Array ? req : utf8.encode(toJsonString(schema, fromJson(schema, req))),
    }),
  },
  "Connect POST proto": {
    binary: true,
    build: (req, generic) => ({
      headers: { "content-type": "application/proto", ...deadline(generic, "connect") },
      body: req instanceof Uint8Array ? req : toBinary(schema, fromJson(schema, req)),
    }),
  },
  "gRPC over h2": {
    binary: true,
    build: (req, generic) => ({
      h2: true,
      headers: { "content-type": "application/grpc", te: "trailers", ...deadline(generic, "grpc") },
      body: envelope(req instanceof Uint8Array ? req : toBinary(schema, fromJson(schema, req))),
    }),
  },
};

const schema = UpdateConfigRequestSchema;

function deadline(generic: boolean, protocol: "connect" | "grpc"): Record<string, string> {
  if (!generic) return {};
  return protocol === "grpc" ? { "grpc-timeout": "10S" } : { "connect-timeout-ms": "10000" };
}

describe("UpdateConfig on the fast route", () => {
  let server: UnlimitedDev;
  let dev: RunningGuardian;
  let api: JsonCaller;
  let token = "";
  let reader = "";

  beforeAll(async () => {
    server = await startUnlimitedDev("lean-write");
    ({ dev, api, token } = server);
    const { ok } = server;
    await ok("guardian.config.v1.ConfigService/CreateProject", { project: "alpha" });
    await ok("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "alpha",
      name: "doc",
      content: {
        type: "object",
        required: ["n"],
        properties: { n: { type: "integer" }, name: { type: "string" } },
      },
    });
    await ok("guardian.config.v1.ConfigService/CreateConfig", {
      project: "alpha",
      key: "app",
      schema: "doc",
      content: { n: 1 },
    });
    await ok("guardian.config.v1.ConfigService/UpdateConfig", {
      project: "alpha",
      key: "app",
      content: { n: 2, name: "checkout ✓" },
      idempotencyKey: "setup-1",
    });
    const made = await ok("guardian.auth.v1.AuthService/CreateApiKey", {
      project: "alpha",
      name: "reader",
      scope: "API_KEY_SCOPE_READ",
    });
    reader = made.json.secret as string;
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  const admin = () => ({ authorization: `Bearer ${token}` });

  // Calls that change nothing, so the two routes must answer them byte for byte alike.
  const cases: [string, () => UpdateInit, () => Record<string, string>, string][] = [
    [
      "an idempotent replay",
      () => ({
        project: "alpha",
        key: "app",
        content: { n: 2, name: "checkout ✓" },
        idempotencyKey: "setup-1",
      }),
      admin,
      "ok",
    ],
    [
      "an idempotency key reused with another request",
      () => ({ project: "alpha", key: "app", content: { n: 3 }, idempotencyKey: "setup-1" }),
      admin,
      "invalid_argument",
    ],
    [
      "content the schema refuses",
      () => ({ project: "alpha", key: "app", content: { n: "three" } }),
      admin,
      "invalid_argument",
    ],
    [
      "a stale expected_version",
      () => ({ project: "alpha", key: "app", content: { n: 3 }, expectedVersion: "1" }),
      admin,
      "aborted",
    ],
    [
      "a missing config",
      () => ({ project: "alpha", key: "nope", content: { n: 1 } }),
      admin,
      "not_found",
    ],
    [
      "a missing project",
      () => ({ project: "ghost", key: "app", content: { n: 1 } }),
      admin,
      "not_found",
    ],
    [
      "an empty key",
      () => ({ project: "alpha", key: "", content: { n: 1 } }),
      admin,
      "invalid_argument",
    ],
    [
      "a key PostgreSQL cannot store",
      () => ({ project: "alpha", key: "a\u0000", content: { n: 1 } }),
      admin,
      "invalid_argument",
    ],
    [
      "an unknown update_mask path",
      () => ({ project: "alpha", key: "app", content: { n: 1 }, updateMask: "owner" }),
      admin,
      "invalid_argument",
    ],
    [
      "content over the size limit",
      () => ({ project: "alpha", key: "app", content: { n: 1, name: "x".repeat(1_048_600) } }),
      admin,
      "resource_exhausted",
    ],
    [
      "a message over its limit",
      () => ({ project: "alpha", key: "app", content: { n: 1 }, message: "m".repeat(1001) }),
      admin,
      "invalid_argument",
    ],
    [
      "no credentials",
      () => ({ project: "alpha", key: "app", content: { n: 1 } }),
      () => ({}),
      "unauthenticated",
    ],
    [
      "a read-only API key",
      () => ({ project: "alpha", key: "app", content: { n: 1 } }),
      () => ({ "x-api-key": reader }),
      "permission_denied",
    ],
  ];

  const send = (
    protocol: string,
    body: Uint8Array | UpdateInit,
    generic: boolean,
    auth: object,
  ) => {
    const init = protocols[protocol]!.build(body, generic);
    return exchange(dev.url, path, { ...init, headers: { ...init.headers, ...auth } });
  };

  for (const protocol of Object.keys(protocols)) {
    it(`answers ${protocol} exactly as the generated route when nothing changes`, async () => {
      for (const [name, req, auth, code] of cases) {
        const fast = await send(protocol, req(), false, auth());
        const generic = await send(protocol, req(), true, auth());
        expect(fast, `${protocol}: ${name}`).toEqual(generic);
        expect(codeOf(fast), `${protocol}: ${name}`).toBe(code);
      }
    });

    it(`writes over ${protocol} as the generated route does`, async () => {
      const req = { project: "alpha", key: "app", content: { n: 7, name: protocol } };
      const fast = await send(protocol, req, false, admin());
      const generic = await send(protocol, req, true, admin());
      expect(codeOf(fast)).toBe("ok");
      const [a, b] = [fast, generic].map((e) => written(e, protocols[protocol]!.binary));
      // Each is its own write: its own revision and time; everything else is the same.
      expect(BigInt(b!.revision)).toBeGreaterThan(BigInt(a!.revision));
      expect(a!.shape).toEqual(b!.shape);
      const { "content-length": _a, ...fastHeaders } = fast.headers;
      const { "content-length": _b, ...genericHeaders } = generic.headers;
      expect(fastHeaders).toEqual(genericHeaders);
      expect(fast.trailers).toEqual(generic.trailers);
    });
  }

  it("answers undecodable JSON with the generated route's error, naming the field", async () => {
    const bodies = [
      "{",
      '{"project": 5, "key": "app"}',
      '{"project": "alpha", "key": "app", "owner": "x"}',
      '{"project": "alpha", "key": "app", "expectedVersion": "seven"}',
      '{"project": "alpha", "key": "app", "labels": {"a": 1}}',
    ];
    for (const text of bodies) {
      const fast = await send("Connect POST JSON", utf8.encode(text), false, admin());
      const generic = await send("Connect POST JSON", utf8.encode(text), true, admin());
      expect(fast, text).toEqual(generic);
      expect(codeOf(fast), text).toBe("invalid_argument");
    }
  });

  it("audits the write and counts it in the RPC metrics", async () => {
    const metric = () => configCalls(dev.url, "UpdateConfig", "ok");
    const before = await metric();
    const init = protocols["Connect POST JSON"]!.build(
      { project: "alpha", key: "app", content: { n: 9 } },
      false,
    );
    const res = await exchange(dev.url, path, {
      ...init,
      headers: { ...init.headers, ...admin(), "x-request-id": "lean-write-1" },
    });
    expect(res.status).toBe(200);
    expect(await metric()).toBe(before + 1);
    const events = await api.call("guardian.auth.v1.AuthService/ListProjectAuditEvents", {
      project: "alpha",
      pageSize: 100,
    });
    const event = (
      events.json.events as { requestId: string; action: string; outcome: string }[]
    ).find((e) => e.requestId === "lean-write-1");
    expect(event?.action).toContain("UpdateConfig");
    expect(JSON.stringify(event)).toContain(String(JSON.parse(res.body.toString()).revision));
  });
});

/** A written config's revision, and the response with its revision, version and times cleared. */
function written(e: Exchange, binary: boolean): { revision: string; shape: unknown } {
  const res = binary
    ? fromBinary(
        UpdateConfigResponseSchema,
        e.headers["content-type"]?.startsWith("application/grpc") ? e.body.subarray(5) : e.body,
      )
    : fromJson(UpdateConfigResponseSchema, JSON.parse(e.body.toString()) as JsonValue);
  const revision = String(res.revision);
  res.revision = 0n;
  if (res.config) {
    res.config.version = 0n;
    res.config.updateTime = undefined;
  }
  return { revision, shape: toJson(UpdateConfigResponseSchema, res) };
}
