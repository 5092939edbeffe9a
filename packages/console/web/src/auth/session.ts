import { Code, type Interceptor } from "@connectrpc/connect";
import type { Principal } from "@guardian/api";
import { createClients, type Clients } from "../api/clients.js";
import { codeOf } from "../api/errors.js";
import { fromTokenPair, loadTokens, saveTokens, type StoredTokens } from "./tokens.js";

/** What the console knows about who is signed in. */
export type SessionState =
  | { readonly status: "loading" }
  | { readonly status: "signed-out"; readonly reason?: string }
  | { readonly status: "signed-in"; readonly principal: Principal };

/** Renews the tokens of an external issuer (set by the OIDC sign-in). */
export type ExternalRefresher = (tokens: StoredTokens) => Promise<StoredTokens>;

/** The signed-in session of this tab, and the clients that act as its user. */
export interface Session {
  /** Clients that send the session's access token, renewing it quietly when it expires. */
  readonly clients: Clients;
  state(): SessionState;
  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Signs in with the built-in issuer (AuthService/Login). */
  signIn(username: string, password: string): Promise<void>;
  /** Adopts tokens obtained elsewhere (the Keycloak sign-in) and loads the principal. */
  adopt(tokens: StoredTokens, refresher: ExternalRefresher): Promise<void>;
  /** Ends the session at the server (built-in issuer) and forgets the tokens. */
  signOut(): Promise<void>;
  /** Reloads the principal (roles), for example after a role change. */
  reload(): Promise<void>;
}

/** Access tokens this close to expiry are renewed before a call. */
const renewBeforeMs = 30_000;

/** Creates the session, resuming from the tab's stored tokens when there are some. */
export function createSession(opts: { externalRefresher?: ExternalRefresher } = {}): Session {
  let tokens = loadTokens();
  let state: SessionState = tokens ? { status: "loading" } : { status: "signed-out" };
  let externalRefresher = opts.externalRefresher;
  let renewing: Promise<StoredTokens | undefined> | undefined;
  const listeners = new Set<() => void>();
  const set = (next: SessionState) => {
    state = next;
    for (const l of listeners) l();
  };
  // Login, Refresh and Logout go without the session's token.
  const anonymous = createClients();

  const keep = (next: StoredTokens | undefined) => {
    tokens = next;
    saveTokens(next);
  };
  const renew = (stale: StoredTokens): Promise<StoredTokens | undefined> => {
    renewing ??= (async () => {
      try {
        const fresh =
          stale.issuer === "builtin"
            ? fromTokenPair(
                (await anonymous.auth.refresh({ refreshToken: stale.refreshToken })).tokens,
              )
            : externalRefresher
              ? await externalRefresher(stale)
              : undefined;
        keep(fresh);
        if (fresh === undefined) set({ status: "signed-out", reason: "Your session ended." });
        return fresh;
      } catch {
        keep(undefined);
        set({ status: "signed-out", reason: "Your session ended: sign in again." });
        return undefined;
      } finally {
        renewing = undefined;
      }
    })();
    return renewing;
  };
  const accessToken = async (): Promise<string | undefined> => {
    if (renewing) await renewing;
    const current = tokens;
    if (current === undefined) return undefined;
    if (current.expiresAt - Date.now() > renewBeforeMs) return current.accessToken;
    return (await renew(current))?.accessToken;
  };
  const bearer: Interceptor = (next) => async (req) => {
    const token = await accessToken();
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (err) {
      // A token the server no longer takes (revoked session, clock skew): renew once, retry.
      if (req.stream || token === undefined || codeOf(err) !== Code.Unauthenticated) throw err;
      const current = tokens;
      if (current === undefined) throw err;
      const fresh = current.accessToken === token ? await renew(current) : current;
      if (fresh === undefined) throw err;
      req.header.set("authorization", `Bearer ${fresh.accessToken}`);
      return await next(req);
    }
  };
  const clients = createClients([bearer]);

  const loadPrincipal = async () => {
    try {
      const { principal } = await clients.auth.whoAmI({});
      if (principal === undefined) throw new Error("no principal");
      set({ status: "signed-in", principal });
    } catch {
      keep(undefined);
      set({ status: "signed-out", reason: "Your session ended: sign in again." });
    }
  };
  if (tokens !== undefined) void loadPrincipal();

  return {
    clients,
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async signIn(username, password) {
      const res = await anonymous.auth.login({ username, password });
      keep(fromTokenPair(res.tokens));
      await loadPrincipal();
    },
    async adopt(next, refresher) {
      externalRefresher = refresher;
      keep(next);
      await loadPrincipal();
    },
    async signOut() {
      const current = tokens;
      keep(undefined);
      set({ status: "signed-out" });
      if (current?.issuer === "builtin") {
        await anonymous.auth.logout({ refreshToken: current.refreshToken }).catch(() => {});
      }
    },
    reload: loadPrincipal,
  };
}
