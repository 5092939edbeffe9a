/** An access token and when it stops being valid. */
export interface AccessToken {
  accessToken: string;
  expiresAt: Date;
}

/**
 * Supplies the bearer tokens the client sends as `Authorization: Bearer <token>`.
 *
 * `getToken()` returns a token that is valid for a while yet (refreshing it first when it is
 * close to expiry). `refresh(rejected)` is called after the server answered Unauthenticated:
 * it fetches a new token unless the current one already differs from `rejected`. Concurrent
 * callers of either share one fetch in flight.
 */
export interface TokenProvider {
  getToken(): Promise<string>;
  refresh(rejected?: string): Promise<string>;
}

/** Options of {@link tokenSource}. */
export interface TokenSourceOptions {
  /**
   * How long before `expiresAt` a token is replaced. Default: a fifth of its lifetime, at
   * most 30 s.
   */
  refreshMarginMs?: number;
}

/**
 * Wraps any source of access tokens (Keycloak, a sidecar, a file) as a {@link TokenProvider}:
 * the token is cached until shortly before `expiresAt`, and concurrent callers share one call
 * of `fetchToken` in flight. A failed fetch is not cached; the next caller tries again.
 */
export function tokenSource(
  fetchToken: () => Promise<AccessToken>,
  opts: TokenSourceOptions = {},
): TokenProvider {
  let current: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchShared = (): Promise<string> => {
    inFlight ??= (async () => {
      try {
        const t = await fetchToken();
        if (typeof t?.accessToken !== "string" || t.accessToken === "") {
          throw new TypeError("the token source returned no accessToken");
        }
        const now = Date.now();
        const expires = t.expiresAt instanceof Date ? t.expiresAt.getTime() : NaN;
        if (Number.isNaN(expires)) throw new TypeError("the token source returned no expiresAt");
        const margin = opts.refreshMarginMs ?? Math.min(30_000, Math.max(0, expires - now) / 5);
        current = { token: t.accessToken, renewAt: expires - margin };
        return t.accessToken;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    async getToken() {
      if (current && Date.now() < current.renewAt) return current.token;
      return fetchShared();
    },
    async refresh(rejected) {
      if (inFlight) return inFlight;
      if (current && rejected !== undefined && current.token !== rejected) return current.token;
      return fetchShared();
    },
  };
}
