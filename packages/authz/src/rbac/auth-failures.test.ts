import * as http from "node:http";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  AuthService,
  ConfigService,
  Health,
  HealthCheckResponse_ServingStatus as Serving,
  LimitExceededSchema,
} from "@guardian/api";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKeyId, generateApiKeySecret } from "../credentials/api-key-secret.js";
import { startEchoServer, type EchoServer } from "../testing/echo-server.js";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "../testing/test-issuer.js";

const db = useTestDatabase();
let keycloak: TestIssuer;
/** Behind one trusted proxy: each test picks its own client address with x-forwarded-for. */
let proxied: EchoServer;
/** Reached directly: x-forwarded-for is the client's word and never counts. */
let direct: EchoServer;
const limit = 5;

beforeAll(async () => {
  db.pool().on("error", () => {}); // the database is dropped WITH (FORCE) after the file
  keycloak = await startTestIssuer();
  const settings = testAuthSettings(
    { GUARDIAN_ISSUER_URL: "http://guardian.test", GUARDIAN_AUTH_FAILURE_LIMIT: String(limit) },
    keycloak,
  );
  proxied = await startEchoServer(db.pool(), settings, { trustedProxyHops: 1 });
  direct = await startEchoServer(db.pool(), settings);
});

afterAll(async () => {
  await proxied?.close();
  await direct?.close();
  await keycloak?.close();
});

/** Headers of a call from `address` through the trusted proxy, which appended it. */
function from(address: string, headers: Record<string, string> = {}): Record<string, string> {
  return { "x-forwarded-for": `10.9.9.9, ${address}`, ...headers };
}

function badKey(): Record<string, string> {
  return { "x-api-key": generateApiKeySecret(generateApiKeyId()) };
}

async function errorOf(call: Promise<unknown>): Promise<ConnectError | undefined> {
  return call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
}

function config(server: EchoServer, transport?: Transport) {
  return createClient(
    ConfigService,
    transport ?? createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
  );
}

describe("failed authentication per client address", () => {
  it("refuses every call from an address after too many failures, with retry info, and spares others", async () => {
    const c = config(proxied);
    const attempts = [
      from("198.51.100.1", badKey()),
      from("198.51.100.1"),
      from("198.51.100.1", { authorization: "Bearer not-a-jwt" }),
      from("198.51.100.1", {
        authorization: `Bearer ${await keycloak.mint({ username: "m", audience: "x" })}`,
      }),
      from("198.51.100.1", badKey()),
    ];
    for (const headers of attempts) {
      const err = await errorOf(c.getConfig({ project: "payments", key: "k" }, { headers }));
      expect(err?.code).toBe(Code.Unauthenticated);
    }
    const good = `Bearer ${await keycloak.mint({ username: "ada", realmRoles: ["guardian-admin"] })}`;
    for (const headers of [
      from("198.51.100.1", badKey()),
      from("198.51.100.1", { authorization: good }),
    ]) {
      let trailers: Headers | undefined;
      const err = await errorOf(
        c.getConfig(
          { project: "payments", key: "k" },
          { headers, onHeader: (h) => (trailers = h) },
        ),
      );
      expect(err?.code).toBe(Code.ResourceExhausted);
      const [detail] = err!.findDetails(LimitExceededSchema);
      expect(detail).toMatchObject({ limit: "rate:auth_failures", max: BigInt(limit) });
      expect(Number(detail!.retryAfter!.seconds)).toBeGreaterThan(0);
      expect(
        Number(trailers?.get("retry-after") ?? err!.metadata.get("retry-after")),
      ).toBeGreaterThan(0);
    }
    // Another address is not affected, and health checks always pass.
    expect(
      await errorOf(
        c.getConfig(
          { project: "payments", key: "k" },
          { headers: from("198.51.100.2", { authorization: good }) },
        ),
      ),
    ).toBeUndefined();
    const health = createClient(Health, createGrpcTransport({ baseUrl: proxied.url }));
    const status = await health.check({}, { headers: from("198.51.100.1") });
    expect(status.status).toBe(Serving.SERVING);
  });

  it("refuses public RPCs too once the address is over its limit", async () => {
    // Public RPCs pass while the address is under its limit (the echo Login always succeeds).
    const auth = createClient(
      AuthService,
      createConnectTransport({ baseUrl: proxied.url, httpVersion: "1.1" }),
    );
    expect(await errorOf(auth.login({}, { headers: from("198.51.100.3") }))).toBeUndefined();
    for (let i = 0; i < limit; i++) {
      proxied.authz.failures.fail("198.51.100.3");
    }
    expect((await errorOf(auth.login({}, { headers: from("198.51.100.3") })))?.code).toBe(
      Code.ResourceExhausted,
    );
  });

  it("ignores x-forwarded-for without trusted proxies: spoofed addresses share the peer's limit", async () => {
    const c = config(direct);
    const codes: (Code | undefined)[] = [];
    for (let i = 0; i < limit + 2; i++) {
      const headers = { "x-forwarded-for": `203.0.113.${i}`, ...badKey() };
      codes.push(
        (await errorOf(c.getConfig({ project: "payments", key: "k" }, { headers })))?.code,
      );
    }
    expect(codes.slice(0, limit)).toEqual(Array(limit).fill(Code.Unauthenticated));
    expect(codes.slice(limit)).toEqual([Code.ResourceExhausted, Code.ResourceExhausted]);
    await direct.authz.failureAudit.flush();
    const rows = await db.pool().query<{ remote_address: string }>(
      `SELECT DISTINCT remote_address FROM audit_log WHERE detail->>'reason' = 'invalid API key'
            AND remote_address NOT LIKE '198.51.100.%'`,
    );
    expect(rows.rows.map((r) => r.remote_address)).toEqual(["127.0.0.1"]);
  });

  it("takes the address the trusted proxy appended, never one the client sent", async () => {
    await errorOf(
      config(proxied).getConfig(
        { project: "payments", key: "k" },
        {
          headers: {
            "x-forwarded-for": "203.0.113.66, 198.51.100.4, 198.51.100.5",
            ...badKey(),
          },
        },
      ),
    );
    await proxied.authz.failureAudit.flush();
    const rows = await db.pool().query<{ remote_address: string }>(
      `SELECT remote_address FROM audit_log WHERE detail->>'reason' LIKE 'invalid API key%'
            AND remote_address IN ('203.0.113.66', '198.51.100.4', '198.51.100.5')`,
    );
    expect(rows.rows.map((r) => r.remote_address)).toEqual(["198.51.100.5"]);
  });
});

describe("audit of failed authentication", () => {
  it("writes one row per address and kind within the window, with a count", async () => {
    const c = config(proxied);
    for (let i = 0; i < 4; i++) {
      await errorOf(
        c.getConfig({ project: "payments", key: "k" }, { headers: from("198.51.100.6", badKey()) }),
      );
    }
    await proxied.authz.failureAudit.flush();
    const rows = await db
      .pool()
      .query<{ detail: { count: number; reason: string }; result: string }>(
        `SELECT detail, result FROM audit_log WHERE remote_address = '198.51.100.6'`,
      );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      result: "denied",
      detail: { reason: "invalid API key", count: 4 },
    });
  });
});

/** Starts a POST that announces `bytes` of body but sends only the first KiB. */
function partialPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  bytes: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${path}`,
      { method: "POST", headers: { ...headers, "content-length": String(bytes) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          req.destroy();
        });
      },
    );
    req.on("error", reject);
    req.write(Buffer.alloc(1024, 0x20));
    // The rest of the body is never sent: only an answer that does not wait for it arrives.
  });
}

describe("credentials checked before the body is read", () => {
  it("answers a call without credentials before its body arrives", async () => {
    const res = await partialPost(
      proxied.url,
      "/guardian.config.v1.ConfigService/GetConfig",
      from("198.51.100.7", { "content-type": "application/json" }),
      4 * 1024 * 1024,
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({
      code: "unauthenticated",
      message: "missing credentials: send Authorization: Bearer <token> or x-api-key",
    });
  });

  it("answers malformed credentials the same way, whatever the protocol", async () => {
    const transports = [
      createConnectTransport({ baseUrl: proxied.url, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: proxied.url, httpVersion: "2" }),
      createGrpcTransport({ baseUrl: proxied.url }),
      createGrpcWebTransport({ baseUrl: proxied.url, httpVersion: "1.1" }),
    ];
    for (const [i, transport] of transports.entries()) {
      const c = config(proxied, transport);
      const headers = from(`198.51.100.${10 + i}`, { "x-api-key": "not-a-key" });
      const unary = await errorOf(c.getConfig({ project: "payments", key: "k" }, { headers }));
      expect(unary?.code).toBe(Code.Unauthenticated);
      expect(unary?.rawMessage).toBe("invalid API key: expected gdn_<id>_<secret> in x-api-key");
      const stream = await errorOf(
        (async () => {
          for await (const _ of c.watch({ project: "payments" }, { headers })) break;
        })(),
      );
      expect(stream?.code).toBe(Code.Unauthenticated);
    }
  });

  it("answers credentials that do not authenticate before the body arrives, and audits them", async () => {
    const expired = await keycloak.mint({ username: "late", expiresInSec: -600 });
    const foreign = await keycloak.mint({ username: "elsewhere", audience: "another-service" });
    const forged = `${expired.split(".").slice(0, 2).join(".")}.${"A".repeat(86)}`;
    const cases: [Record<string, string>, RegExp][] = [
      [badKey(), /API key/],
      [{ authorization: `Bearer ${expired}` }, /exp/],
      [{ authorization: `Bearer ${foreign}` }, /aud/],
      [{ authorization: `Bearer ${forged}` }, /signature|token/],
    ];
    for (const [i, [credentials, reason]] of cases.entries()) {
      const address = `198.51.100.${30 + i}`;
      const res = await partialPost(
        proxied.url,
        "/guardian.config.v1.ConfigService/GetConfig",
        from(address, { "content-type": "application/json", ...credentials }),
        4 * 1024 * 1024,
      );
      expect(res.status).toBe(401);
      const body = JSON.parse(res.body) as { code: string; message: string };
      expect(body.code).toBe("unauthenticated");
      expect(body.message).toMatch(reason);
      // The failure counts against the address like any other.
      for (let n = 1; n < limit; n++) {
        const again = await errorOf(
          config(proxied).getConfig(
            { project: "payments", key: "k" },
            { headers: from(address, credentials) },
          ),
        );
        expect(again?.code).toBe(Code.Unauthenticated);
      }
      const over = await errorOf(
        config(proxied).getConfig({ project: "payments", key: "k" }, { headers: from(address) }),
      );
      expect(over?.code).toBe(Code.ResourceExhausted);
    }
  });

  it("leaves public RPCs open without credentials", async () => {
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: proxied.url }));
    expect(await errorOf(auth.login({}, { headers: from("198.51.100.20") }))).toBeUndefined();
  });
});
