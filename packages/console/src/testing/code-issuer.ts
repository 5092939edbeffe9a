import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startTestIssuer, type MintOptions, type TestIssuer } from "@guardian/authz";

/** One request the code issuer received at its authorization, token or logout endpoint. */
export interface CodeIssuerRequest {
  readonly path: string;
  /** The query (GET) or the form (POST). */
  readonly params: Record<string, string>;
}

/**
 * A stand-in for a Keycloak realm's authorization code flow with PKCE, on 127.0.0.1: the
 * discovery document, an authorization endpoint that signs the user in at once and sends the
 * browser back with a code, a token endpoint that checks the PKCE verifier (and renews with
 * refresh tokens), and an end-session endpoint. Its tokens come from a {@link TestIssuer}
 * (Keycloak's claim shape, keys served as a JWKS at `jwksUrl`).
 */
export interface CodeIssuer {
  /** The realm URL and the `iss` of its tokens. */
  readonly issuer: string;
  /** Where the signing keys are served. */
  readonly jwksUrl: string;
  /** Requests to the authorization, token and end-session endpoints, in order. */
  readonly requests: CodeIssuerRequest[];
  /** Signs a token for any user (to set up data as another user). */
  mint(opts: Omit<MintOptions, "issuer">): Promise<string>;
  close(): Promise<void>;
}

/** Whom the code issuer signs in, and with which client. */
export interface CodeIssuerOptions {
  /** The user the tokens are for. */
  user: Omit<MintOptions, "issuer" | "expiresInSec">;
  /** The public client allowed to sign in. */
  clientId: string;
  /** `expires_in` of the access tokens, in seconds. */
  expiresInSec: number;
}

const realmPath = "/realms/guardian";

/** Starts a code issuer; close it after the tests. */
export async function startCodeIssuer(opts: CodeIssuerOptions): Promise<CodeIssuer> {
  const keys: TestIssuer = await startTestIssuer();
  const requests: CodeIssuerRequest[] = [];
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const refreshTokens = new Set<string>();
  let issuer = "";
  const send = (res: http.ServerResponse, status: number, body: unknown): void =>
    void res
      .writeHead(status, {
        "content-type": "application/json",
        // Keycloak answers the web origins of the client; the console's is a random port here.
        "access-control-allow-origin": "*",
      })
      .end(JSON.stringify(body));
  const tokens = async () => {
    const refresh = randomUUID();
    refreshTokens.add(refresh);
    const mint = { ...opts.user, issuer, expiresInSec: opts.expiresInSec };
    return {
      access_token: await keys.mint(mint),
      id_token: await keys.mint({ ...mint, audience: opts.clientId }),
      refresh_token: refresh,
      token_type: "Bearer",
      expires_in: opts.expiresInSec,
      scope: "openid profile email",
    };
  };
  const authorize = (res: http.ServerResponse, q: Record<string, string>) => {
    if (
      q["client_id"] !== opts.clientId ||
      q["response_type"] !== "code" ||
      q["code_challenge_method"] !== "S256" ||
      !q["code_challenge"] ||
      !q["state"] ||
      !q["redirect_uri"]
    ) {
      return send(res, 400, { error: "invalid_request" });
    }
    const code = randomUUID();
    codes.set(code, { challenge: q["code_challenge"], redirectUri: q["redirect_uri"] });
    const back = new URL(q["redirect_uri"]);
    back.searchParams.set("state", q["state"]);
    back.searchParams.set("session_state", randomUUID());
    back.searchParams.set("iss", issuer);
    back.searchParams.set("code", code);
    res.writeHead(302, { location: back.toString() }).end();
    return undefined;
  };
  const token = async (res: http.ServerResponse, form: Record<string, string>) => {
    if (form["client_id"] !== opts.clientId) return send(res, 401, { error: "invalid_client" });
    if (form["grant_type"] === "authorization_code") {
      const grant = codes.get(form["code"] ?? "");
      codes.delete(form["code"] ?? "");
      const challenge = createHash("sha256")
        .update(form["code_verifier"] ?? "")
        .digest("base64url");
      if (grant === undefined || grant.redirectUri !== form["redirect_uri"]) {
        return send(res, 400, { error: "invalid_grant", error_description: "Code not valid" });
      }
      if (challenge !== grant.challenge) {
        return send(res, 400, {
          error: "invalid_grant",
          error_description: "PKCE verification failed: Code mismatch",
        });
      }
      return send(res, 200, await tokens());
    }
    if (
      form["grant_type"] === "refresh_token" &&
      refreshTokens.delete(form["refresh_token"] ?? "")
    ) {
      return send(res, 200, await tokens());
    }
    return send(res, 400, { error: "invalid_grant" });
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", issuer);
      const path = url.pathname.replace(realmPath, "");
      const params = Object.fromEntries(
        req.method === "POST" ? new URLSearchParams(body) : url.searchParams,
      );
      if (path === "/.well-known/openid-configuration") {
        return send(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          end_session_endpoint: `${issuer}/protocol/openid-connect/logout`,
          jwks_uri: keys.jwksUrl,
          code_challenge_methods_supported: ["plain", "S256"],
        });
      }
      requests.push({ path, params });
      if (path === "/protocol/openid-connect/auth") return authorize(res, params);
      if (path === "/protocol/openid-connect/token") return void token(res, params);
      if (path === "/protocol/openid-connect/logout") {
        res.writeHead(302, { location: params["post_logout_redirect_uri"] ?? "/" }).end();
        return undefined;
      }
      res.writeHead(404).end();
      return undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${realmPath}`;
  return {
    issuer,
    jwksUrl: keys.jwksUrl,
    requests,
    mint: (mint) => keys.mint({ ...mint, issuer }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await keys.close();
    },
  };
}
