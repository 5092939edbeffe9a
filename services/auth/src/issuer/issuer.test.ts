import { Code, ConnectError } from "@connectrpc/connect";
import { testAuthSettings } from "@guardian/authz";
import { useTestDatabase } from "@guardian/testkit";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createLogger } from "@guardian/kit";
import { createAuthSystem } from "../system.js";
import { testIssuerUrl, useHarness } from "../testing/harness.js";
import { openPrivateJwk, sealPrivateJwk } from "./key-crypto.js";
import { ensureSigningKey } from "./signing-keys.js";

const db = useTestDatabase();
const h = useHarness(db, { env: { GUARDIAN_SIGNING_KEY_SECRET: "test secret of enough length" } });

async function getJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.url}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return (await res.json()) as Record<string, unknown>;
}

describe("JWKS", () => {
  it("publishes the same keys over GetJwks and /.well-known/jwks.json, usable to verify tokens", async () => {
    const rpc = await h.client.getJwks({});
    const http = (await getJson("/.well-known/jwks.json")) as {
      keys: Array<Record<string, string>>;
    };
    expect(rpc.keys.map((k) => k.kid)).toEqual(http.keys.map((k) => k.kid));
    expect(http.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(http.keys[0]).not.toHaveProperty("d");
    const { payload } = await jwtVerify(h.adminToken, createLocalJWKSet({ keys: http.keys }), {
      issuer: testIssuerUrl,
      audience: "guardian",
    });
    expect(payload.preferred_username).toBe("admin");
  });

  it("describes the issuer at /.well-known/openid-configuration and in GetOidcConfiguration", async () => {
    const doc = await getJson("/.well-known/openid-configuration");
    expect(doc).toMatchObject({
      issuer: testIssuerUrl,
      jwks_uri: `${testIssuerUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["ES256"],
    });
    const cfg = await h.client.getOidcConfiguration({});
    expect(cfg).toMatchObject({
      issuer: testIssuerUrl,
      jwksUri: `${testIssuerUrl}/.well-known/jwks.json`,
      localLoginEnabled: true,
      externalIssuers: [
        { issuer: h.keycloak.issuer, clientId: "guardian-console", audience: "guardian" },
      ],
    });
    expect(Number(cfg.accessTokenTtl?.seconds)).toBe(900);
    expect(Number(cfg.refreshTokenTtl?.seconds)).toBe(7 * 86400);
  });
});

describe("signing-key rotation", () => {
  it("keeps accepting an in-flight token signed by the previous key, and signs new ones with the new key", async () => {
    const inFlight = h.adminToken;
    const oldKid = decodeProtectedHeader(inFlight).kid;
    const newKid = await h.system.issuer.rotate();
    expect(newKid).not.toBe(oldKid);
    expect((await h.client.whoAmI({}, h.as(inFlight))).principal?.username).toBe("admin");
    const jwks = await h.client.getJwks({});
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    const pair = (await h.client.login({ username: "admin", password: await adminPassword() }))
      .tokens!;
    expect(decodeProtectedHeader(pair.accessToken).kid).toBe(newKid);
    expect((await h.client.whoAmI({}, h.as(pair.accessToken))).principal?.username).toBe("admin");
  });

  it("stops accepting tokens of a retired key once its publication ends", async () => {
    const token = h.adminToken;
    const kid = decodeProtectedHeader(token).kid;
    await db
      .pool()
      .query(`UPDATE signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1`, [
        kid,
      ]);
    h.system.authz.builtInKeys.invalidate();
    const err = ConnectError.from(await h.client.whoAmI({}, h.as(token)).catch((e: unknown) => e));
    expect(err.code).toBe(Code.Unauthenticated);
    expect((await h.client.getJwks({})).keys.map((k) => k.kid)).not.toContain(kid);
  });

  it("rotates a key older than the rotation interval, once, even when asked twice", async () => {
    await db
      .pool()
      .query(
        `UPDATE signing_keys SET created_at = now() - interval '40 days' WHERE retired_at IS NULL`,
      );
    const options = {
      secret: "test secret of enough length",
      publishGraceMs: 60_000,
      rotationMs: 30 * 86_400_000,
    };
    const [a, b] = await Promise.all([
      ensureSigningKey(db.pool(), options),
      ensureSigningKey(db.pool(), options),
    ]);
    expect([a, b].filter((kid) => kid !== undefined)).toHaveLength(1);
    const current = await db
      .pool()
      .query(`SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL`);
    expect(current.rows[0].n).toBe(1);
  });

  it("keeps a current key younger than the rotation interval, storing nothing", async () => {
    const count = async () =>
      (await db.pool().query(`SELECT count(*)::int AS n FROM signing_keys`)).rows[0].n as number;
    const before = await count();
    const options = {
      secret: "test secret of enough length",
      publishGraceMs: 60_000,
      rotationMs: 30 * 86_400_000,
    };
    // Every start but the first comes here: one read, no transaction (no lock to wait for).
    const pool = db.pool();
    const asked: string[] = [];
    const watched = Object.create(pool, {
      query: {
        value: (...args: Parameters<typeof pool.query>) => {
          asked.push(String(args[0]));
          return (pool.query as (...a: unknown[]) => unknown)(...args);
        },
      },
      connect: {
        value: () => {
          asked.push("connect");
          return pool.connect();
        },
      },
    }) as typeof pool;
    expect(await ensureSigningKey(watched, options)).toBeUndefined();
    expect(asked).toHaveLength(1);
    expect(await count()).toBe(before);
  });
});

describe("signing keys at rest", () => {
  it("stores private keys encrypted when GUARDIAN_SIGNING_KEY_SECRET is set", async () => {
    const rows = await db.pool().query(`SELECT private_jwk FROM signing_keys`);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows as Array<{ private_jwk: string }>) {
      expect(row.private_jwk).toMatch(/^aes-256-gcm:/);
      expect(row.private_jwk).not.toContain('"d"');
    }
  });

  it("refuses to start with the wrong secret rather than failing at the first login", async () => {
    const settings = testAuthSettings({ GUARDIAN_SIGNING_KEY_SECRET: "a different secret" });
    await expect(
      createAuthSystem({ pool: db.pool(), settings, logger: createLogger({ level: "silent" }) }),
    ).rejects.toThrow("wrong GUARDIAN_SIGNING_KEY_SECRET");
  });

  it("withdraws private keys stored in plain JSON once a secret is configured", async () => {
    const jwk = { kty: "EC", crv: "P-256", x: "px", y: "py", d: "plain-d", kid: "plain-kid" };
    await db.pool().query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, retired_at, publish_until)
       VALUES ('plain-kid', 'ES256', '{}', $1, now(), now() + interval '1 hour')`,
      [sealPrivateJwk(jwk, undefined)],
    );
    const secret = "test secret of enough length";
    await ensureSigningKey(db.pool(), { secret, publishGraceMs: 60_000, rotationMs: 86_400_000 });
    const rows = await db
      .pool()
      .query<{ kid: string; private_jwk: string }>(`SELECT kid, private_jwk FROM signing_keys`);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expect(row.private_jwk).toMatch(/^aes-256-gcm:/);
    // Gone, not resealed: a copy taken while it was readable must not verify or sign.
    expect(rows.rows.map((r) => r.kid)).not.toContain("plain-kid");
  });

  it("round-trips sealed and plain keys", () => {
    const jwk = { kty: "EC", crv: "P-256", x: "x", y: "y", d: "secret-d" };
    expect(openPrivateJwk(sealPrivateJwk(jwk, "s3cret"), "s3cret")).toEqual(jwk);
    expect(sealPrivateJwk(jwk, undefined)).toBe(`plain:${JSON.stringify(jwk)}`);
    expect(() => openPrivateJwk(sealPrivateJwk(jwk, "s3cret"), undefined)).toThrow(
      "GUARDIAN_SIGNING_KEY_SECRET",
    );
  });
});

let password: string | undefined;
async function adminPassword(): Promise<string> {
  if (password === undefined) {
    password = "admin-password-for-rotation-test";
    await h.client.setPassword({ username: "admin", newPassword: password }, h.as(h.adminToken));
  }
  return password;
}
