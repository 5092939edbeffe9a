import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { exportSPKI, importJWK, UnsecuredJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapRoles, roleMappingOf } from "../roles.js";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "../testing/test-issuer.js";
import { createTokenVerifier, remoteKeys, type TokenVerifier } from "./verifier.js";

let keycloak: TestIssuer;
let stranger: TestIssuer;
let verifier: TokenVerifier;

beforeAll(async () => {
  keycloak = await startTestIssuer("guardian");
  stranger = await startTestIssuer("evil");
  verifier = createTokenVerifier({
    issuers: [
      {
        issuer: keycloak.issuer,
        audience: "guardian",
        keys: remoteKeys(keycloak.jwksUrl, { cooldownMs: 0, cacheMaxAgeMs: 200 }),
        clientId: "guardian",
        builtIn: false,
      },
    ],
    clockToleranceSec: 30,
    maxLifetimeSec: 86_400,
  });
});

afterAll(async () => {
  await keycloak.close();
  await stranger.close();
});

async function rejection(token: string): Promise<ConnectError> {
  const err = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the token was accepted").toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<
    string,
    unknown
  >;
}

describe("token verifier attack suite", () => {
  it("accepts a valid Keycloak access token (the baseline the attacks start from)", async () => {
    const identity = await verifier.verify(await keycloak.mint({ username: "ada" }));
    expect(identity.username).toBe("ada");
  });

  it("rejects alg none with Unauthenticated", async () => {
    const valid = claimsOf(await keycloak.mint({ username: "ada" }));
    const token = new UnsecuredJWT(valid).encode();
    const err = await rejection(token);
    expect(err.code).toBe(Code.Unauthenticated);
  });

  it("rejects HS256 signed with the RSA public key as the HMAC secret", async () => {
    const [kid] = keycloak.publishedKids();
    const pem = await exportSPKI((await importJWK(keycloak.publicJwk(kid!), "RS256")) as CryptoKey);
    const header = b64({ alg: "HS256", typ: "JWT", kid });
    const payload = b64(
      claimsOf(await keycloak.mint({ username: "ada", realmRoles: ["guardian-admin"] })),
    );
    const signature = createHmac("sha256", pem).update(`${header}.${payload}`).digest("base64url");
    const err = await rejection(`${header}.${payload}.${signature}`);
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toContain("algorithm is not allowed");
  });

  it("rejects an expired token", async () => {
    const err = await rejection(await keycloak.mint({ username: "ada", expiresInSec: -120 }));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token has expired");
  });

  it("accepts exp within the clock tolerance but not beyond it", async () => {
    await expect(
      verifier.verify(await keycloak.mint({ username: "ada", expiresInSec: -5 })),
    ).resolves.toBeDefined();
    expect(
      (await rejection(await keycloak.mint({ username: "ada", expiresInSec: -60 }))).code,
    ).toBe(Code.Unauthenticated);
  });

  it("rejects a token that is not yet valid", async () => {
    const err = await rejection(await keycloak.mint({ username: "ada", notBeforeSec: 600 }));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token is not yet valid");
  });

  it("rejects iat in the future beyond the clock tolerance, and a token without iat", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(
      verifier.verify(await keycloak.mint({ username: "ada", claims: { iat: now + 10 } })),
    ).resolves.toBeDefined();
    const future = await rejection(
      await keycloak.mint({ username: "ada", claims: { iat: now + 600, nbf: undefined } }),
    );
    expect(future.code).toBe(Code.Unauthenticated);
    expect(future.rawMessage).toBe("access token is issued in the future (iat)");
    const missing = await rejection(
      await keycloak.mint({ username: "ada", claims: { iat: undefined } }),
    );
    expect(missing.rawMessage).toBe("access token has no issue time (iat)");
  });

  it("caps the token lifetime exp - iat, whatever exp the issuer chose", async () => {
    await expect(
      verifier.verify(await keycloak.mint({ username: "ada", expiresInSec: 86_400 })),
    ).resolves.toBeDefined();
    const long = await rejection(
      await keycloak.mint({ username: "ada", expiresInSec: 86_400 + 60 }),
    );
    expect(long.code).toBe(Code.Unauthenticated);
    expect(long.rawMessage).toBe("access token lifetime (exp - iat) exceeds the 86400 s allowed");
    // A token backdated to look young is no way around it.
    const now = Math.floor(Date.now() / 1000);
    const backdated = await rejection(
      await keycloak.mint({ username: "ada", claims: { iat: now - 60, exp: now + 365 * 86_400 } }),
    );
    expect(backdated.rawMessage).toContain("lifetime");
  });

  it("rejects a wrong iss that only resembles the trusted one", async () => {
    const err = await rejection(
      await keycloak.mint({ username: "ada", issuer: `${keycloak.issuer}/` }),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token issuer is not trusted");
  });

  it("rejects a wrong aud, and a token whose aud is only the account client", async () => {
    const wrong = await rejection(await keycloak.mint({ username: "ada", audience: "billing" }));
    expect(wrong.code).toBe(Code.Unauthenticated);
    expect(wrong.rawMessage).toBe("access token audience is not accepted");
    const missing = await rejection(
      await keycloak.mint({ username: "ada", audience: ["account"] }),
    );
    expect(missing.code).toBe(Code.Unauthenticated);
  });

  it("rejects an unknown kid", async () => {
    const err = await rejection(
      await keycloak.mint({ username: "ada", header: { kid: "no-such-key" } }),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token was signed by an unknown key");
  });

  it("rejects a tampered payload", async () => {
    const token = await keycloak.mint({ username: "ada", realmRoles: ["guardian-viewer"] });
    const [header, , signature] = token.split(".");
    const forged = { ...claimsOf(token), realm_access: { roles: ["guardian-admin"] } };
    const err = await rejection(`${header}.${b64(forged)}.${signature}`);
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token signature is invalid");
  });

  it("rejects a token from an untrusted issuer, even one claiming the trusted iss", async () => {
    const own = await rejection(await stranger.mint({ username: "ada" }));
    expect(own.code).toBe(Code.Unauthenticated);
    expect(own.rawMessage).toBe("access token issuer is not trusted");
    const claimed = await rejection(
      await stranger.mint({ username: "ada", issuer: keycloak.issuer }),
    );
    expect(claimed.code).toBe(Code.Unauthenticated);
  });

  it("rejects ID tokens and refresh tokens by their typ", async () => {
    for (const typ of ["ID", "Refresh"]) {
      const err = await rejection(await keycloak.mint({ username: "ada", claims: { typ } }));
      expect(err.code).toBe(Code.Unauthenticated);
    }
  });

  it("rejects garbage with Unauthenticated and a message without internals", async () => {
    for (const token of ["", "abc", "a.b.c", "e30.e30.e30"]) {
      const err = await rejection(token);
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.rawMessage).not.toMatch(/jose|JWS|Error/);
    }
  });
});

describe("Keycloak compatibility", () => {
  it("reads Keycloak's claim shape and maps realm and client roles to global roles", async () => {
    const token = await keycloak.mint({
      username: "grace",
      email: "grace@example.com",
      givenName: "Grace",
      familyName: "Hopper",
      realmRoles: ["offline_access", "guardian-viewer", "default-roles-guardian"],
      clientRoles: { guardian: ["guardian-editor"], account: ["guardian-admin"] },
      audience: ["guardian", "account"],
    });
    const identity = await verifier.verify(token);
    expect(identity).toMatchObject({
      issuer: keycloak.issuer,
      username: "grace",
      email: "grace@example.com",
      displayName: "Grace Hopper",
      service: false,
      builtIn: false,
    });
    // Only the configured client's roles count: "account" granting admin is ignored.
    const mapping = roleMappingOf(testAuthSettings());
    expect(mapRoles(mapping, identity.roleNames)).toEqual(["viewer", "editor"]);
  });

  it("recognises a client-credentials token as a service identity", async () => {
    const identity = await verifier.verify(
      await keycloak.mint({
        username: "service-account-guardian-ci",
        claims: { client_id: "guardian-ci" },
      }),
    );
    expect(identity.service).toBe(true);
  });

  it("uses custom role names from GUARDIAN_ROLE_* settings", () => {
    const mapping = roleMappingOf(testAuthSettings({ GUARDIAN_ROLE_ADMIN: "ops" }));
    expect(mapRoles(mapping, ["ops", "guardian-admin"])).toEqual(["admin"]);
  });
});

describe("JWKS rotation", () => {
  it("accepts a token signed by a newly published key", async () => {
    const kid = await keycloak.addKey();
    const identity = await verifier.verify(await keycloak.mint({ username: "ada", kid }));
    expect(identity.username).toBe("ada");
  });

  it("rejects a removed key once the cached key set has been refreshed", async () => {
    const kid = await keycloak.addKey();
    const token = await keycloak.mint({ username: "ada", kid });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    keycloak.unpublish(kid);
    await sleep(300); // longer than cacheMaxAge
    const err = await rejection(await keycloak.mint({ username: "ada", kid }));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token was signed by an unknown key");
  });

  it("reports an unreachable JWKS as Unavailable, not as a bad token", async () => {
    const offline = await startTestIssuer("offline");
    const unreachable = createTokenVerifier({
      issuers: [
        {
          issuer: offline.issuer,
          audience: "guardian",
          keys: remoteKeys(offline.jwksUrl.replace("/certs", "/missing"), { timeoutMs: 1000 }),
          builtIn: false,
        },
      ],
      clockToleranceSec: 30,
      maxLifetimeSec: 86_400,
    });
    const token = await offline.mint({ username: "ada" });
    await offline.close();
    await expect(unreachable.verify(token)).rejects.toMatchObject({ code: Code.Unavailable });
  });
});
