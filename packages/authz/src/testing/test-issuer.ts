import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { readConfig } from "@guardian/kit";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { authSettings, type AuthSettings } from "../settings.js";

/** What {@link TestIssuer.mint} puts in a token; everything has a Keycloak-like default. */
export interface MintOptions {
  /** `preferred_username`. */
  username: string;
  /** `sub`; default a stable UUID per username. */
  subject?: string;
  /** `realm_access.roles`, for example ["guardian-editor"]. */
  realmRoles?: string[];
  /** `resource_access`, for example { guardian: ["guardian-admin"] }. */
  clientRoles?: Record<string, string[]>;
  /** `aud`; default "guardian". */
  audience?: string | string[];
  /** `iss`; default the test issuer's own URL. */
  issuer?: string;
  /** Seconds until `exp` (negative for an expired token); default 300. */
  expiresInSec?: number;
  /** Seconds from now of `nbf`; default 0. */
  notBeforeSec?: number;
  /** Signing key id; default the newest key. */
  kid?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  /** Extra or replacement claims (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Extra or replacement protected header parameters. */
  header?: Record<string, unknown>;
}

/** A stand-in for a Keycloak realm: RS256 keys served as a JWKS over HTTP on 127.0.0.1. */
export interface TestIssuer {
  /** The realm URL, the `iss` of its tokens, e.g. http://127.0.0.1:41234/realms/guardian. */
  readonly issuer: string;
  /** The JWKS URL, `<issuer>/protocol/openid-connect/certs`. */
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** Signs an access token in Keycloak's claim shape. */
  mint(opts: MintOptions): Promise<string>;
  /** Adds a signing key (published at once) and makes it the default; returns its kid. */
  addKey(): Promise<string>;
  /** Stops publishing a key (tokens may still be signed with it, to test rejection). */
  unpublish(kid: string): void;
  /** The kids currently published. */
  publishedKids(): string[];
  /** The public JWK of a key, to forge tokens in attack tests. */
  publicJwk(kid: string): JWK;
  close(): Promise<void>;
}

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

const subjects = new Map<string, string>();

/**
 * Starts a test identity provider with Keycloak's URLs and claim shape. Use it in tests of
 * anything behind the auth interceptor: point KEYCLOAK_ISSUER_URL and KEYCLOAK_JWKS_URL at it
 * (see {@link testAuthSettings}) and mint tokens with the roles a test needs.
 */
export async function startTestIssuer(realm = "guardian"): Promise<TestIssuer> {
  const keys: TestKey[] = [];
  let fetches = 0;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === `/realms/${realm}/protocol/openid-connect/certs`) {
      fetches += 1;
      const body = JSON.stringify({
        keys: keys.filter((k) => k.published).map((k) => k.publicJwk),
      });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}/realms/${realm}`;

  const addKey = async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    keys.push({ kid, privateKey: pair.privateKey, publicJwk, published: true });
    return kid;
  };
  await addKey();

  const keyOf = (kid?: string) => {
    const key = kid === undefined ? keys[keys.length - 1] : keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`test issuer has no key ${kid}`);
    return key;
  };

  return {
    issuer,
    jwksUrl: `${issuer}/protocol/openid-connect/certs`,
    get jwksFetches() {
      return fetches;
    },
    async mint(opts) {
      const key = keyOf(opts.kid);
      const now = Math.floor(Date.now() / 1000);
      let subject = opts.subject ?? subjects.get(opts.username);
      if (subject === undefined) {
        subject = randomUUID();
        subjects.set(opts.username, subject);
      }
      const claims: Record<string, unknown> = {
        exp: now + (opts.expiresInSec ?? 300),
        iat: now,
        nbf: now + (opts.notBeforeSec ?? 0),
        jti: randomUUID(),
        iss: opts.issuer ?? issuer,
        aud: opts.audience ?? "guardian",
        sub: subject,
        typ: "Bearer",
        azp: "guardian-console",
        sid: randomUUID(),
        scope: "openid profile email",
        email_verified: true,
        preferred_username: opts.username,
        realm_access: { roles: opts.realmRoles ?? [] },
        resource_access: Object.fromEntries(
          Object.entries(opts.clientRoles ?? {}).map(([client, roles]) => [client, { roles }]),
        ),
        ...(opts.email ? { email: opts.email } : {}),
        ...(opts.givenName ? { given_name: opts.givenName } : {}),
        ...(opts.familyName ? { family_name: opts.familyName } : {}),
        ...(opts.givenName && opts.familyName
          ? { name: `${opts.givenName} ${opts.familyName}` }
          : {}),
        ...opts.claims,
      };
      for (const [name, value] of Object.entries(claims)) {
        if (value === undefined) delete claims[name];
      }
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid, ...opts.header })
        .sign(key.privateKey);
    },
    addKey,
    unpublish(kid) {
      keyOf(kid).published = false;
    },
    publishedKids() {
      return keys.filter((k) => k.published).map((k) => k.kid);
    },
    publicJwk(kid) {
      return keyOf(kid).publicJwk;
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads auth settings from `env` (defaults for everything unset) and, when a test issuer is
 * given, trusts it as Keycloak with client roles of client "guardian".
 */
export function testAuthSettings(
  env: Record<string, string> = {},
  issuer?: Pick<TestIssuer, "issuer" | "jwksUrl">,
): AuthSettings {
  return readConfig(
    {
      ...(issuer
        ? {
            KEYCLOAK_ISSUER_URL: issuer.issuer,
            KEYCLOAK_JWKS_URL: issuer.jwksUrl,
            KEYCLOAK_CLIENT_ID: "guardian",
          }
        : {}),
      ...env,
    },
    authSettings,
  );
}
