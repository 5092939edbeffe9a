import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { TokenPair } from "@guardian/api";

/** The tokens of a signed-in user, as kept in the tab's session storage. */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** When the access token expires (ms since the epoch). */
  readonly expiresAt: number;
  /**
   * Who issued the tokens: `builtin` (AuthService/Login and Refresh) or the URL of an external
   * issuer (Keycloak), whose token endpoint refreshes them.
   */
  readonly issuer: "builtin" | string;
}

const storageKey = "guardian.console.tokens";

/** Reads the stored tokens of this tab, if any. */
export function loadTokens(): StoredTokens | undefined {
  const raw = sessionStorage.getItem(storageKey);
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as StoredTokens;
    return typeof parsed.accessToken === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps tokens for this tab (cleared when the tab closes). */
export function saveTokens(tokens: StoredTokens | undefined): void {
  if (tokens === undefined) sessionStorage.removeItem(storageKey);
  else sessionStorage.setItem(storageKey, JSON.stringify(tokens));
}

/** The stored form of a token pair from the built-in issuer. */
export function fromTokenPair(pair: TokenPair | undefined): StoredTokens {
  if (pair === undefined) throw new Error("the server answered without tokens");
  const expiresAt =
    pair.expireTime !== undefined ? timestampMs(pair.expireTime) : Date.now() + 5 * 60_000;
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt,
    issuer: "builtin",
  };
}
