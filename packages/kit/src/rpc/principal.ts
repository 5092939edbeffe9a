import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/** Who is calling: a user (from a JWT), an API key, or a service identity. */
export interface Principal {
  kind: "user" | "api_key" | "service" | "anonymous";
  /** Stable identifier: the username of a user, the key id of an API key. */
  id: string;
  /** Human-readable name recorded as the author of writes. */
  name: string;
  /** Project an API key belongs to; empty for users. */
  project?: string;
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
