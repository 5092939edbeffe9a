import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { generateApiKeySecret } from "../credentials/api-key-secret.js";
import { createKey, outcome } from "../testing/harness.js";
import { useEchoFixture } from "../testing/echo-fixture.js";

const f = useEchoFixture();

describe("auth interceptor: API keys", () => {
  it("lets a read key read its project and nothing else", async () => {
    const key = await createKey(f, { scope: "read" });
    const getConfig = await outcome(
      (o) => f.config.getConfig({ project: "payments", key: "a" }, o),
      key.headers,
    );
    expect(getConfig.code).toBeUndefined();
    expect(getConfig.principal).toMatchObject({
      kind: "api_key",
      name: `apikey:${key.id}`,
      project: "payments",
    });
    expect(
      (
        await outcome(
          (o) => f.config.updateConfig({ project: "payments", key: "a" }, o),
          key.headers,
        )
      ).code,
    ).toBe(Code.PermissionDenied);
    expect(
      (await outcome((o) => f.config.getConfig({ project: "billing", key: "a" }, o), key.headers))
        .code,
    ).toBe(Code.PermissionDenied);
    expect(
      (
        await outcome(
          (o) => f.schema.createSchema({ project: "payments", name: "s" }, o),
          key.headers,
        )
      ).message,
    ).toBe("API keys may not call guardian.schema.v1.SchemaService/CreateSchema");
    expect((await outcome((o) => f.auth.whoAmI({}, o), key.headers)).code).toBeUndefined();
  });

  it("lets a read_write key update configs but not create them", async () => {
    const key = await createKey(f, { scope: "read_write" });
    expect(
      (
        await outcome(
          (o) => f.config.updateConfig({ project: "payments", key: "a" }, o),
          key.headers,
        )
      ).code,
    ).toBeUndefined();
    expect(
      (
        await outcome(
          (o) => f.config.createConfig({ project: "payments", key: "a" }, o),
          key.headers,
        )
      ).code,
    ).toBe(Code.PermissionDenied);
  });

  it("holds a prefixed key to its prefix, also on a Watch stream", async () => {
    const key = await createKey(f, { scope: "read", prefix: "eu/" });
    const get = (k: string) =>
      outcome((o) => f.config.getConfig({ project: "payments", key: k }, o), key.headers);
    expect((await get("eu/limits")).code).toBeUndefined();
    expect((await get("us/limits")).code).toBe(Code.PermissionDenied);
    expect(
      (await outcome((o) => f.config.listConfigs({ project: "payments" }, o), key.headers)).code,
    ).toBe(Code.PermissionDenied);
    const watch = async (target: { case: "prefix" | "key"; value: string }) =>
      outcome(async (o) => {
        for await (const _ of f.config.watch({ project: "payments", target }, o)) break;
      }, key.headers);
    expect((await watch({ case: "prefix", value: "eu/checkout/" })).code).toBeUndefined();
    expect((await watch({ case: "key", value: "us/x" })).code).toBe(Code.PermissionDenied);
  });

  it("rejects an expired key and a malformed key with Unauthenticated", async () => {
    const expired = await createKey(f, {
      scope: "read",
      expiresAt: new Date(Date.now() - 1000),
    });
    const res = await outcome((o) => f.auth.whoAmI({}, o), expired.headers);
    expect(res.code).toBe(Code.Unauthenticated);
    expect(res.message).toBe("API key has expired");
    expect((await outcome((o) => f.auth.whoAmI({}, o), { "x-api-key": "gdn_nope" })).code).toBe(
      Code.Unauthenticated,
    );
  });

  it("stops a revoked key on its very next call", async () => {
    const key = await createKey(f, { scope: "read" });
    expect((await outcome((o) => f.auth.whoAmI({}, o), key.headers)).code).toBeUndefined();
    await f.db.pool().query(`UPDATE api_keys SET revoked_at = now() WHERE lookup = $1`, [key.id]);
    const res = await outcome((o) => f.auth.whoAmI({}, o), key.headers);
    expect(res.code).toBe(Code.Unauthenticated);
    expect(res.message).toBe("API key has been revoked");
  });

  it("rejects a right id with a wrong secret without saying more", async () => {
    const key = await createKey(f, { scope: "read" });
    await f.db.pool().query(`UPDATE api_keys SET revoked_at = now() WHERE lookup = $1`, [key.id]);
    const wrong = generateApiKeySecret(key.id);
    const res = await outcome((o) => f.auth.whoAmI({}, o), { "x-api-key": wrong });
    expect(res.message).toBe("invalid API key");
  });
});
