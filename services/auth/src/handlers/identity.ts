import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService, GetOidcConfigurationResponseSchema } from "@guardian/api";
import {
  type AuthSettings,
  globalRoleToProto,
  listAccountBindings,
  listPublishedKeys,
  selectApiKeyById,
} from "@guardian/authz";
import { principalOf } from "@guardian/kit";
import { apiKeyToProto, bindingToProto, jwkToProto, principalKindToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { signingAlgorithm } from "../issuer/signing-keys.js";

type IdentityHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "whoAmI" | "getJwks" | "getOidcConfiguration"
>;

/** The URL of the built-in issuer's plain-HTTP JWKS. */
export function jwksUri(settings: Pick<AuthSettings, "issuerUrl">): string {
  return `${settings.issuerUrl.replace(/\/$/, "")}/.well-known/jwks.json`;
}

/** Describes the identity setup (GetOidcConfiguration). */
export function oidcConfiguration(
  settings: AuthSettings,
): MessageInitShape<typeof GetOidcConfigurationResponseSchema> {
  return {
    issuer: settings.issuerUrl,
    jwksUri: jwksUri(settings),
    idTokenSigningAlgValuesSupported: [signingAlgorithm],
    localLoginEnabled: settings.localLogin,
    externalIssuers:
      settings.keycloakIssuerUrl === undefined
        ? []
        : [
            {
              issuer: settings.keycloakIssuerUrl,
              clientId: settings.keycloakConsoleClientId,
              audience: settings.keycloakAudience,
            },
          ],
    accessTokenTtl: durationFromMs(settings.accessTokenTtlMs),
    refreshTokenTtl: durationFromMs(settings.refreshTokenTtlMs),
  };
}

/** Creates WhoAmI, GetJwks and GetOidcConfiguration. */
export function createIdentityHandlers(deps: AuthServiceDeps): IdentityHandlers {
  const { pool, settings } = deps;
  return {
    async whoAmI(_req, ctx) {
      const p = principalOf(ctx);
      const bindings = p.account ? await listAccountBindings(pool, p.account) : [];
      const key = p.apiKey ? await selectApiKeyById(pool, p.apiKey.id) : undefined;
      return {
        principal: {
          kind: principalKindToProto(p.kind),
          actor: p.name,
          issuer: p.issuer ?? "",
          subject: p.subject ?? "",
          username: p.kind === "api_key" ? "" : p.id,
          email: p.email ?? "",
          displayName: p.displayName ?? "",
          globalRoles: (p.globalRoles ?? []).map(globalRoleToProto),
          roleBindings: bindings.map(bindingToProto),
          apiKey: key && apiKeyToProto(key),
          expireTime: p.expiresAt && timestampFromDate(p.expiresAt),
        },
      };
    },

    async getJwks() {
      return { keys: (await listPublishedKeys(pool)).map(jwkToProto) };
    },

    async getOidcConfiguration() {
      return oidcConfiguration(settings);
    },
  };
}
