import type { JWTPayload } from "jose";

/**
 * The identity a verified access token describes, read from Keycloak's claim shape (which
 * the built-in issuer uses too).
 */
export interface TokenIdentity {
  /** The exact `iss`. */
  issuer: string;
  /** The `sub`. */
  subject: string;
  /** `preferred_username`, falling back to `sub`. */
  username: string;
  email?: string;
  /** `name`, or `given_name` and `family_name` joined. */
  displayName?: string;
  /** Realm roles plus, when a client is configured, that client's roles. */
  roleNames: string[];
  /** True for client-credentials tokens (a Keycloak client's service account). */
  service: boolean;
  /** The token's `exp`. */
  expiresAt: Date;
  /** The token's `sid` (the session at the issuer), when present. */
  sessionId?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function rolesAt(container: unknown): string[] {
  return typeof container === "object" && container !== null
    ? stringList((container as { roles?: unknown }).roles)
    : [];
}

/**
 * Reads the identity from verified claims: `realm_access.roles` and, when `clientId` is set,
 * `resource_access.<clientId>.roles`. Keycloak marks service-account tokens with a
 * `client_id` claim (`clientId` before Keycloak 21) and a `service-account-` username.
 */
export function identityFromClaims(claims: JWTPayload, clientId?: string): TokenIdentity {
  const subject = text(claims.sub) ?? "";
  const username = text(claims["preferred_username"]) ?? subject;
  const given = text(claims["given_name"]);
  const family = text(claims["family_name"]);
  const joined = [given, family].filter((p) => p !== undefined).join(" ");
  const resourceAccess = claims["resource_access"];
  const clientRoles =
    clientId !== undefined && typeof resourceAccess === "object" && resourceAccess !== null
      ? rolesAt((resourceAccess as Record<string, unknown>)[clientId])
      : [];
  const displayName = text(claims["name"]) ?? (joined === "" ? undefined : joined);
  const email = text(claims["email"]);
  const sessionId = text(claims["sid"]);
  return {
    issuer: text(claims.iss) ?? "",
    subject,
    username,
    ...(email ? { email } : {}),
    ...(displayName ? { displayName } : {}),
    roleNames: [...new Set([...rolesAt(claims["realm_access"]), ...clientRoles])],
    service:
      text(claims["client_id"]) !== undefined ||
      text(claims["clientId"]) !== undefined ||
      username.startsWith("service-account-"),
    expiresAt: new Date((claims.exp ?? 0) * 1000),
    ...(sessionId ? { sessionId } : {}),
  };
}
