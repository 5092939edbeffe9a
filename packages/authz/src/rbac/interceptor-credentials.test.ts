import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Serving } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { bearer, createKey, outcome } from "../testing/harness.js";
import { token, useEchoFixture } from "../testing/echo-fixture.js";

const f = useEchoFixture();

describe("auth interceptor: credentials", () => {
  it("serves grpc.health.v1.Health without credentials", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: f.server.url }));
    expect((await health.check({})).status).toBe(Serving.SERVING);
  });

  it("passes public RPCs without credentials and ignores bad ones", async () => {
    expect((await outcome((o) => f.auth.login({}, o), {})).code).toBeUndefined();
    expect(
      (await outcome((o) => f.auth.login({}, o), { authorization: "Bearer junk" })).code,
    ).toBeUndefined();
  });

  it("answers a call without credentials with Unauthenticated saying what to send", async () => {
    const res = await outcome((o) => f.auth.whoAmI({}, o), {});
    expect(res.code).toBe(Code.Unauthenticated);
    expect(res.message).toBe(
      "missing credentials: send Authorization: Bearer <token> or x-api-key",
    );
  });

  it("refuses other authorization schemes and both credentials at once", async () => {
    expect((await outcome((o) => f.auth.whoAmI({}, o), { authorization: "Basic YTpi" })).code).toBe(
      Code.Unauthenticated,
    );
    const key = await createKey(f, { scope: "read" });
    const both = { ...bearer(await token(f, "ada")).headers, ...key.headers };
    expect((await outcome((o) => f.auth.whoAmI({}, o), both)).code).toBe(Code.Unauthenticated);
  });

  it("rejects invalid tokens through the server with Unauthenticated and audits them", async () => {
    const attacks = [
      await f.keycloak.mint({ username: "mallory", expiresInSec: -600 }),
      await f.keycloak.mint({ username: "mallory", audience: "other" }),
      await f.stranger.mint({ username: "mallory", realmRoles: ["guardian-admin"] }),
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
        JSON.stringify({ iss: f.keycloak.issuer, sub: "x", aud: "guardian", exp: 9e9 }),
      ).toString("base64url")}.`,
    ];
    for (const attack of attacks) {
      const res = await outcome(
        (o) => f.config.getConfig({ project: "payments", key: "k" }, o),
        bearer(attack).headers,
      );
      expect(res.code).toBe(Code.Unauthenticated);
    }
    await f.server.authz.failureAudit.flush();
    const audited = await f.db.pool().query(
      `SELECT count(*)::int AS n FROM audit_log
        WHERE action = 'guardian.config.v1.ConfigService/GetConfig' AND result = 'denied'
          AND error_code = 'unauthenticated' AND actor = ''`,
    );
    expect(audited.rows[0].n).toBe(attacks.length);
  });
});

describe("auth interceptor: fail closed", () => {
  it("denies a method that declares no access option", async () => {
    const interceptor = f.server.authz.interceptor;
    let reached = false;
    const call = interceptor(async () => {
      reached = true;
      throw new Error("unreachable");
    });
    const req = {
      stream: false,
      service: { typeName: "example.v1.Unguarded" },
      method: Health.method.check,
      header: new Headers({
        authorization: `Bearer ${await token(f, "root", ["guardian-admin"])}`,
      }),
      contextValues: { get: () => "req-1", set: () => undefined, delete: () => undefined },
      message: {},
    } as unknown as Parameters<typeof call>[0];
    await expect(call(req)).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect(reached).toBe(false);
  });
});
