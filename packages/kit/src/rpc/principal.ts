import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * A role that applies across all projects (see guardian.auth.v1.GlobalRole): stored for local
 * users and service accounts, mapped from identity-provider roles for Keycloak principals.
 */
export type GlobalRoleName = "viewer" | "editor" | "admin" | "cluster_client" | "internal";

/** A role on one project, granted by a role binding (see guardian.auth.v1.Role). */
export type ProjectRoleName = "viewer" | "editor" | "admin";

/** What a project API key may do (see guardian.auth.v1.ApiKeyScope). */
export type ApiKeyScopeName = "read" | "read_write";

/** The API key behind a call made with `x-api-key`. Never holds the secret. */
export interface PrincipalApiKey {
  /** The key id, for example `ak_3f9c2a7d1b`. */
  id: string;
  /** The only project the key may act in. */
  project: string;
  /** What the key may do. */
  scope: ApiKeyScopeName;
  /** When non-empty, the key may only address configs whose key starts with it. */
  keyPrefix: string;
}

/** Who is calling: a user (from a JWT), an API key, or a service identity. */
export interface Principal {
  kind: "user" | "api_key" | "service" | "anonymous";
  /** Stable identifier: the username of a user, the key id of an API key. */
  id: string;
  /**
   * Human-readable name recorded as the author of writes and the actor of audit events: the
   * username of users and service accounts, `apikey:<id>` for API keys.
   */
  name: string;
  /** Project an API key belongs to; empty for users. */
  project?: string;
  /** The token issuer (`iss`). Unset for API keys. */
  issuer?: string;
  /** The token subject (`sub`). Unset for API keys. */
  subject?: string;
  /**
   * The key of the caller's row in `users` and of its role bindings (`role_bindings.issuer`
   * and `.subject`). It equals issuer/subject for Keycloak users; local users of the built-in
   * issuer are stored under the fixed issuer `guardian`, so that changing the public issuer
   * URL keeps their bindings.
   */
  account?: { issuer: string; subject: string };
  /** The e-mail address, if known. */
  email?: string;
  /** The display name, if known. */
  displayName?: string;
  /** The global roles in effect for this call; empty or unset when there are none. */
  globalRoles?: readonly GlobalRoleName[];
  /** The caller's project role bindings, by project name. Unset for API keys. */
  projectRoles?: Readonly<Record<string, ProjectRoleName>>;
  /** For API keys: the key. */
  apiKey?: PrincipalApiKey;
  /** When the credentials of this call expire (token `exp`, API key expiry). */
  expiresAt?: Date;
}

/** The anonymous principal, used where no authentication runs (for example in unit tests). */
export const anonymousPrincipal: Principal = {
  kind: "anonymous",
  id: "anonymous",
  name: "anonymous",
};

/** Context key holding the authenticated principal of a call; set by the auth interceptor. */
export const principalKey = createContextKey<Principal>(anonymousPrincipal, {
  description: "guardian principal",
});

/** Returns the principal of a call. */
export function principalOf(ctx: Pick<HandlerContext, "values">): Principal {
  return ctx.values.get(principalKey);
}
