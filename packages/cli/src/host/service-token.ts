import type { Interceptor } from "@connectrpc/connect";
import { localIssuer, type IssuedToken, type TokenIssuer } from "@guardian/auth-service";
import type { Queryable } from "@guardian/db";

/**
 * Makes sure the service account of this process exists: a local user without a password,
 * holding only the `internal` global role, so tokens minted for it resolve like any user's.
 */
export async function ensureServiceAccount(db: Queryable, username: string): Promise<void> {
  await db.query(
    `INSERT INTO users (issuer, subject, username, display_name, service_account, global_roles)
     VALUES ($1, $2, $2, 'Guardian service', true, ARRAY['internal'])
     ON CONFLICT (issuer, subject) DO UPDATE
       SET service_account = true, global_roles = ARRAY['internal'], disabled = false`,
    [localIssuer, username],
  );
}

/**
 * Creates an interceptor that authenticates this process to other Guardian services (the
 * store) with a short-lived built-in token carrying the `internal` global role. Every
 * process shares the issuer's signing keys through PostgreSQL, so it can mint its own.
 */
export function createServiceTokenInterceptor(issuer: TokenIssuer, username: string): Interceptor {
  let cached: IssuedToken | undefined;
  const token = async () => {
    // Renew a minute before expiry so a token never expires in flight.
    if (!cached || cached.expiresAt.getTime() - Date.now() < 60_000) {
      const sign = await issuer.signer();
      cached = await sign(
        {
          subject: username,
          username,
          globalRoles: ["internal"],
          serviceAccount: true,
        },
        `service-${username}`,
      );
    }
    return cached.token;
  };
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${await token()}`);
    return next(req);
  };
}
