import { create, toBinary, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { ReadConfigRequestSchema } from "@guardian/api";
import { envelope, exchange, type Exchange, type ExchangeInit } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonCaller } from "./testing/json-caller.js";
import { startUnlimitedDev, type UnlimitedDev } from "./testing/unlimited-dev.js";
import { codeOf, configCalls } from "./testing/wire-codes.js";
import type { RunningGuardian } from "@guardian/testkit";

type ReadInit = MessageInitShape<typeof ReadConfigRequestSchema>;

const path = "/guardian.config.v1.ConfigService/ReadConfig";

/**
 * ReadConfig in every protocol the fast route serves. `generic` adds a deadline header,
 * which the fast route leaves to Connect's generic route: the same server, the same call.
 */
const protocols: Record<
  string,
  (req: ReadInit, generic: boolean) => ExchangeInit & { path: string }
> = {
  "Connect POST JSON": (req, generic) => ({
    path,
    headers: { "content-type": "application/json", ...connectDeadline(generic) },
    body: new TextEncoder().encode(
      toJsonString(ReadConfigRequestSchema, create(ReadConfigRequestSchema, req)),
    ),
  }),
  "Connect POST proto": (req, generic) => ({
    path,
    headers: { "content-type": "application/proto", ...connectDeadline(generic) },
    body: toBinary(ReadConfigRequestSchema, create(ReadConfigRequestSchema, req)),
  }),
  "Connect GET JSON": (req, generic) => ({
    method: "GET",
    path: `${path}?connect=v1&encoding=json&message=${encodeURIComponent(
      toJsonString(ReadConfigRequestSchema, create(ReadConfigRequestSchema, req)),
    )}`,
    headers: connectDeadline(generic),
  }),
  "Connect GET proto": (req, generic) => ({
    method: "GET",
    path: `${path}?connect=v1&encoding=proto&base64=1&message=${Buffer.from(
      toBinary(ReadConfigRequestSchema, create(ReadConfigRequestSchema, req)),
    ).toString("base64url")}`,
    headers: connectDeadline(generic),
  }),
  "gRPC over h2": (req, generic) => ({
    path,
    h2: true,
    headers: {
      "content-type": "application/grpc",
      te: "trailers",
      ...(generic ? { "grpc-timeout": "10S" } : {}),
    },
    body: envelope(toBinary(ReadConfigRequestSchema, create(ReadConfigRequestSchema, req))),
  }),
};

function connectDeadline(generic: boolean): Record<string, string> {
  return generic ? { "connect-timeout-ms": "10000" } : {};
}

/** The fast route adds HTTP caching headers to a GET; everything else must be identical. */
function withoutCaching(e: Exchange): Exchange {
  const { etag: _etag, "cache-control": _cache, ...headers } = e.headers;
  return { ...e, headers };
}

describe("ReadConfig on the fast route", () => {
  let server: UnlimitedDev;
  let dev: RunningGuardian;
  let api: JsonCaller;
  const keys: Record<"alpha" | "beta" | "prefixed", string> = { alpha: "", beta: "", prefixed: "" };
  let version = 0n;
  let token = "";

  beforeAll(async () => {
    // Every case below calls from one address in quick succession: limits out of the way.
    server = await startUnlimitedDev("lean-read");
    ({ dev, api, token } = server);
    const { ok } = server;
    for (const project of ["alpha", "beta"]) {
      await ok("guardian.config.v1.ConfigService/CreateProject", { project });
      await ok("guardian.schema.v1.SchemaService/CreateSchema", {
        project,
        name: "doc",
        content: { type: "object" },
      });
    }
    const created = await ok("guardian.config.v1.ConfigService/CreateConfig", {
      project: "alpha",
      key: "app",
      schema: "doc",
      content: { name: "checkout ✓", limits: { max: 100, ratio: 0.25 }, tags: ["a", null, true] },
    });
    version = BigInt(created.json.config.version);
    const key = async (project: string, keyPrefix = "") => {
      const made = await api.call("guardian.auth.v1.AuthService/CreateApiKey", {
        project,
        name: `reader-${keyPrefix === "" ? "all" : "prefixed"}`,
        scope: "API_KEY_SCOPE_READ",
        keyPrefix,
      });
      if (typeof made.json.secret !== "string") throw new Error(JSON.stringify(made.json));
      return made.json.secret as string;
    };
    keys.alpha = await key("alpha");
    keys.beta = await key("beta");
    keys.prefixed = await key("alpha", "public/");
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  const cases: [string, () => ReadInit, () => Record<string, string>, string][] = [
    [
      "a config",
      () => ({ project: "alpha", key: "app" }),
      () => ({ "x-api-key": keys.alpha }),
      "ok",
    ],
    [
      "an unchanged config",
      () => ({ project: "alpha", key: "app", ifNoneMatch: version }),
      () => ({ "x-api-key": keys.alpha }),
      "ok",
    ],
    [
      "at a reached min_revision",
      () => ({ project: "alpha", key: "app", minRevision: version }),
      () => ({ "x-api-key": keys.alpha }),
      "ok",
    ],
    [
      "ahead of the store",
      () => ({ project: "alpha", key: "app", minRevision: version + 1000n }),
      () => ({ "x-api-key": keys.alpha }),
      "out_of_range",
    ],
    [
      "an empty key",
      () => ({ project: "alpha", key: "" }),
      () => ({ "x-api-key": keys.alpha }),
      "invalid_argument",
    ],
    [
      "a key PostgreSQL cannot store",
      () => ({ project: "alpha", key: "a\u0000" }),
      () => ({ "x-api-key": keys.alpha }),
      "invalid_argument",
    ],
    ["no credentials", () => ({ project: "alpha", key: "app" }), () => ({}), "unauthenticated"],
    [
      "another project's key",
      () => ({ project: "alpha", key: "app" }),
      () => ({ "x-api-key": keys.beta }),
      "permission_denied",
    ],
    [
      "a key outside the key prefix",
      () => ({ project: "alpha", key: "app" }),
      () => ({ "x-api-key": keys.prefixed }),
      "permission_denied",
    ],
    [
      "a missing config",
      () => ({ project: "alpha", key: "nope" }),
      () => ({ "x-api-key": keys.alpha }),
      "not_found",
    ],
    [
      "a missing project",
      () => ({ project: "ghost", key: "app" }),
      () => ({ authorization: `Bearer ${token}` }),
      "not_found",
    ],
  ];

  for (const [protocol, build] of Object.entries(protocols)) {
    it(`answers ${protocol} exactly as the generated route`, async () => {
      for (const [name, req, auth, code] of cases) {
        const send = async (generic: boolean) => {
          const { path: p, ...init } = build(req(), generic);
          return exchange(dev.url, p, { ...init, headers: { ...init.headers, ...auth() } });
        };
        const fast = await send(false);
        const generic = await send(true);
        expect(withoutCaching(fast), `${protocol}: ${name}`).toEqual(generic);
        const answered = codeOf(fast);
        expect(answered, `${protocol}: ${name}`).toBe(code);
      }
    });
  }

  it("answers a GET with the version as ETag, and 304 to If-None-Match, after authorization", async () => {
    const get = protocols["Connect GET JSON"]!({ project: "alpha", key: "app" }, false);
    const first = await exchange(dev.url, get.path, {
      method: "GET",
      headers: { "x-api-key": keys.alpha },
    });
    expect(first.headers.etag).toBe(`"${version}"`);
    expect(JSON.parse(first.body.toString()).etag).toBe(String(version));
    const again = await exchange(dev.url, get.path, {
      method: "GET",
      headers: { "x-api-key": keys.alpha, "if-none-match": `"${version}"` },
    });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
    const denied = await exchange(dev.url, get.path, {
      method: "GET",
      headers: { "x-api-key": keys.beta, "if-none-match": `"${version}"` },
    });
    expect(denied.status).toBe(403);
  });

  it("audits a denial and counts the call in the RPC metrics", async () => {
    const metric = () => configCalls(dev.url, "ReadConfig", "permission_denied");
    const before = await metric();
    const post = protocols["Connect POST JSON"]!({ project: "alpha", key: "app" }, false);
    const denied = await exchange(dev.url, post.path, {
      ...post,
      headers: { ...post.headers, "x-api-key": keys.beta, "x-request-id": "lean-denied-1" },
    });
    expect(denied.status).toBe(403);
    expect(await metric()).toBe(before + 1);
    const events = await api.call("guardian.auth.v1.AuthService/ListProjectAuditEvents", {
      project: "alpha",
      pageSize: 100,
    });
    const event = (
      events.json.events as { requestId: string; action: string; errorCode: string }[]
    ).find((e) => e.requestId === "lean-denied-1");
    expect(event).toMatchObject({ errorCode: "permission_denied" });
    expect(event?.action).toContain("ReadConfig");
  });
});
