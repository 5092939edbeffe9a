import { listPublishedKeys, type AuthSettings } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import type { HttpRoute, NodeResponse } from "@guardian/kit";
import { jwkJson } from "../convert.js";
import { jwksUri } from "../handlers/identity.js";
import { signingAlgorithm } from "./signing-keys.js";

function sendJson(res: NodeResponse, body: unknown, maxAgeSec: number): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": `public, max-age=${maxAgeSec}`,
  });
  res.end(text);
}

/**
 * The built-in issuer's plain-HTTP discovery endpoints, for kit's createServer `httpRoutes`:
 * `/.well-known/jwks.json` (the JWKS, also GetJwks) and `/.well-known/openid-configuration`
 * (issuer and jwks_uri, enough for JWT libraries and Envoy's jwt_authn to verify tokens).
 */
export function wellKnownRoutes(db: Queryable, settings: AuthSettings): Record<string, HttpRoute> {
  return {
    "/.well-known/jwks.json": async (_req, res) => {
      const keys = await listPublishedKeys(db);
      // Short caching: a rotated-in key must reach verifiers well before it signs much.
      sendJson(res, { keys: keys.map(jwkJson) }, 60);
    },
    "/.well-known/openid-configuration": (_req, res) => {
      sendJson(
        res,
        {
          issuer: settings.issuerUrl,
          jwks_uri: jwksUri(settings),
          id_token_signing_alg_values_supported: [signingAlgorithm],
          subject_types_supported: ["public"],
          response_types_supported: ["token"],
          claims_supported: [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "nbf",
            "jti",
            "typ",
            "azp",
            "sid",
            "preferred_username",
            "email",
            "name",
            "given_name",
            "family_name",
            "realm_access",
          ],
        },
        300,
      );
    },
  };
}
