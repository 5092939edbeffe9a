import type { Interceptor } from "@connectrpc/connect";
import type { IssuedToken, TokenIssuer } from "@guardian/auth-service";

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
