import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Credentials } from "./options.js";

/**
 * Creates the interceptor that adds the credentials to every call: `x-api-key` for an API
 * key, `Authorization: Bearer <token>` for a token provider. A unary call answered with
 * Unauthenticated is sent once more with a refreshed token (the server rejected it before
 * running the handler, so nothing was done twice). Streams are re-opened by their owner.
 */
export function credentialsInterceptor(credentials: Credentials): Interceptor {
  if ("apiKey" in credentials) {
    const { apiKey } = credentials;
    return (next) => async (req) => {
      req.header.set("x-api-key", apiKey);
      return next(req);
    };
  }
  const { tokenProvider } = credentials;
  return (next) => async (req) => {
    const token = await tokenProvider.getToken();
    req.header.set("authorization", `Bearer ${token}`);
    if (req.stream) return next(req);
    try {
      return await next(req);
    } catch (err) {
      if (!(err instanceof ConnectError) || err.code !== Code.Unauthenticated) throw err;
      const fresh = await tokenProvider.refresh(token);
      if (fresh === token) throw err;
      req.header.set("authorization", `Bearer ${fresh}`);
      return next(req);
    }
  };
}
