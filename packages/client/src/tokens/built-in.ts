import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { AuthService, type TokenPair } from "@guardian/api";
import { requireText } from "../options.js";
import { defaultTransport, type TransportFactory } from "../transport.js";
import { tokenSource, type AccessToken, type TokenProvider } from "./token-provider.js";

/** Options of {@link builtInTokens}: a password, a refresh token, or both. */
export interface BuiltInTokensOptions {
  /** Guardian's base URL, for example `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A local user or service account. Required with `password`. */
  username?: string;
  password?: string;
  /** A refresh token from an earlier Login or Refresh, to continue that session. */
  refreshToken?: string;
  /** Called with every new refresh token, to persist the session. */
  onRefreshToken?: (refreshToken: string) => void;
  /** Builds the transport for AuthService calls. Default: Connect over HTTP/1.1. */
  createTransport?: TransportFactory;
  /** How long before expiry an access token is replaced (see `tokenSource`). */
  refreshMarginMs?: number;
}

/** A token provider of Guardian's built-in issuer, with its current refresh token. */
export interface BuiltInTokenProvider extends TokenProvider {
  /** The refresh token that continues the session now (each one is valid once). */
  readonly refreshToken: string | undefined;
}

/**
 * Signs in at Guardian's built-in issuer (AuthService.Login) and keeps an access token
 * fresh: it is refreshed shortly before it expires with AuthService.Refresh. Refresh tokens
 * rotate, so each refresh stores the new one. When the session cannot be refreshed (spent,
 * expired or revoked) and a password is known, it signs in again; otherwise the Refresh
 * error (Unauthenticated) is thrown to the caller.
 */
export function builtInTokens(opts: BuiltInTokensOptions): BuiltInTokenProvider {
  const baseUrl = requireText("builtInTokens", "baseUrl", opts.baseUrl);
  const hasPassword = opts.password !== undefined;
  if (hasPassword) requireText("builtInTokens", "username", opts.username);
  if (!hasPassword && opts.refreshToken === undefined) {
    throw new TypeError("builtInTokens: pass password (with username) or refreshToken");
  }
  const transport: Transport = (opts.createTransport ?? defaultTransport)({
    baseUrl,
    interceptors: [],
  });
  const auth = createClient(AuthService, transport);
  let refreshToken = opts.refreshToken;

  const adopt = (pair: TokenPair | undefined): AccessToken => {
    if (!pair?.expireTime) throw new ConnectError("the server returned no token", Code.Internal);
    refreshToken = pair.refreshToken;
    opts.onRefreshToken?.(refreshToken);
    return { accessToken: pair.accessToken, expiresAt: timestampDate(pair.expireTime) };
  };

  const login = async () =>
    adopt((await auth.login({ username: opts.username!, password: opts.password! })).tokens);

  const provider = tokenSource(
    async () => {
      if (refreshToken === undefined) return login();
      try {
        return adopt((await auth.refresh({ refreshToken })).tokens);
      } catch (err) {
        const ce = ConnectError.from(err);
        if (ce.code !== Code.Unauthenticated || !hasPassword) throw ce;
        refreshToken = undefined;
        return login();
      }
    },
    { refreshMarginMs: opts.refreshMarginMs },
  );

  return {
    getToken: () => provider.getToken(),
    refresh: (rejected) => provider.refresh(rejected),
    get refreshToken() {
      return refreshToken;
    },
  };
}
