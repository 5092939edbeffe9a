import type { ExternalIssuer } from "@guardian/api";
import type { ExternalRefresher, Session } from "./session.js";
import { loadTokens, type StoredTokens } from "./tokens.js";

/**
 * Sign-in with an external issuer (Keycloak): the authorization code flow with PKCE (S256),
 * back to the console's own page. The verifier and `state` wait in the tab's session storage
 * while the browser is at the issuer; the issuer's endpoints stay there while signed in, for
 * renewing the tokens and for signing out.
 */

/** The endpoints of an issuer this tab signed in with, and its client. */
interface IssuerLink {
  readonly issuer: string;
  readonly clientId: string;
  readonly tokenEndpoint: string;
  readonly endSessionEndpoint?: string;
  /** The ID token of the sign-in, a hint for ending the issuer's session. */
  readonly idToken?: string;
}

/** A sign-in under way: what the return to the console must match. */
interface Pending extends IssuerLink {
  readonly state: string;
  readonly verifier: string;
  /** The console route the user was on (the location hash), restored on return. */
  readonly hash: string;
}

const pendingKey = "guardian.console.oidc.pending";
const linkKey = "guardian.console.oidc.issuer";

/** A readable name of an issuer for its button: its host. */
export function issuerLabel(issuer: ExternalIssuer): string {
  try {
    return new URL(issuer.issuer).host;
  } catch {
    return issuer.issuer;
  }
}

/** Where the issuer sends the browser back: the console's page, without query or hash. */
function redirectUri(): string {
  return `${window.location.origin}/`;
}

function randomText(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(data: Uint8Array): string {
  let text = "";
  for (const b of data) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function discover(issuer: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`${issuer} answered ${res.status} for its OpenID configuration`);
  return (await res.json()) as Record<string, unknown>;
}

function endpoint(doc: Record<string, unknown>, name: string): string {
  const value = doc[name];
  if (typeof value !== "string") throw new Error(`the issuer's configuration has no ${name}`);
  return value;
}

/**
 * Starts signing in with `issuer`: reads its discovery document, keeps a new PKCE verifier and
 * `state` in session storage, and sends the browser to the authorization endpoint.
 */
export async function startExternalSignIn(issuer: ExternalIssuer): Promise<void> {
  const doc = await discover(issuer.issuer);
  const authorization = new URL(endpoint(doc, "authorization_endpoint"));
  const verifier = randomText(48);
  const state = randomText(24);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const endSession = doc["end_session_endpoint"];
  const pending: Pending = {
    issuer: issuer.issuer,
    clientId: issuer.clientId,
    tokenEndpoint: endpoint(doc, "token_endpoint"),
    ...(typeof endSession === "string" ? { endSessionEndpoint: endSession } : {}),
    state,
    verifier,
    hash: window.location.hash,
  };
  sessionStorage.setItem(pendingKey, JSON.stringify(pending));
  const params = authorization.searchParams;
  params.set("client_id", issuer.clientId);
  params.set("redirect_uri", redirectUri());
  params.set("response_type", "code");
  params.set("scope", "openid");
  params.set("state", state);
  params.set("code_challenge", base64url(new Uint8Array(digest)));
  params.set("code_challenge_method", "S256");
  window.location.assign(authorization.toString());
}

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

async function callTokenEndpoint(url: string, form: Record<string, string>): Promise<TokenAnswer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  const answer = (await res.json().catch(() => ({}))) as TokenAnswer;
  if (!res.ok || typeof answer.access_token !== "string") {
    const why = answer.error_description ?? answer.error ?? `status ${res.status}`;
    throw new Error(`the issuer refused the sign-in: ${why}`);
  }
  return answer;
}

function storedTokens(issuer: string, answer: TokenAnswer, previous?: StoredTokens): StoredTokens {
  return {
    accessToken: answer.access_token ?? "",
    refreshToken: answer.refresh_token ?? previous?.refreshToken ?? "",
    expiresAt: Date.now() + (answer.expires_in ?? 300) * 1000,
    issuer,
  };
}

function readJson<T>(key: string): T | undefined {
  const raw = sessionStorage.getItem(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** Whether the page was opened by an issuer sending the browser back with a code. */
export function isExternalReturn(): boolean {
  const query = new URLSearchParams(window.location.search);
  return query.has("state") && (query.has("code") || query.has("error"));
}

let finishing: Promise<void> | undefined;

/**
 * Completes a sign-in when the issuer sent the browser back (`?code=&state=` on `/`): checks
 * `state`, exchanges the code with the verifier at the token endpoint, removes the query from
 * the address and hands the tokens to the session. Runs once per page load.
 */
export function finishExternalSignIn(session: Session): Promise<void> {
  finishing ??= (async () => {
    const query = new URLSearchParams(window.location.search);
    const pending = readJson<Pending>(pendingKey);
    sessionStorage.removeItem(pendingKey);
    window.history.replaceState(null, "", `${redirectUri()}${pending?.hash ?? ""}`);
    if (pending === undefined || query.get("state") !== pending.state) {
      throw new Error("This sign-in was not started here or has expired: sign in again.");
    }
    const error = query.get("error");
    if (error !== null) {
      throw new Error(`The sign-in failed: ${query.get("error_description") ?? error}`);
    }
    const answer = await callTokenEndpoint(pending.tokenEndpoint, {
      grant_type: "authorization_code",
      code: query.get("code") ?? "",
      redirect_uri: redirectUri(),
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    });
    const link: IssuerLink = {
      issuer: pending.issuer,
      clientId: pending.clientId,
      tokenEndpoint: pending.tokenEndpoint,
      ...(pending.endSessionEndpoint ? { endSessionEndpoint: pending.endSessionEndpoint } : {}),
      ...(answer.id_token ? { idToken: answer.id_token } : {}),
    };
    sessionStorage.setItem(linkKey, JSON.stringify(link));
    await session.adopt(storedTokens(pending.issuer, answer), refreshExternalTokens);
  })();
  return finishing;
}

/** Renews an external issuer's tokens with the refresh token, at its token endpoint. */
export const refreshExternalTokens: ExternalRefresher = async (tokens) => {
  const link = readJson<IssuerLink>(linkKey);
  if (link === undefined || link.issuer !== tokens.issuer || tokens.refreshToken === "") {
    throw new Error("no way to renew these tokens");
  }
  const answer = await callTokenEndpoint(link.tokenEndpoint, {
    grant_type: "refresh_token",
    refresh_token: tokens.refreshToken,
    client_id: link.clientId,
  });
  if (answer.id_token)
    sessionStorage.setItem(linkKey, JSON.stringify({ ...link, idToken: answer.id_token }));
  return storedTokens(link.issuer, answer, tokens);
};

/**
 * Signs out of the session and, when it came from an external issuer that offers an
 * `end_session_endpoint`, ends the issuer's session too (the browser goes there and comes back
 * to the console).
 */
async function signOutEverywhere(session: Session): Promise<void> {
  const tokens = loadTokens();
  const link = readJson<IssuerLink>(linkKey);
  sessionStorage.removeItem(linkKey);
  await session.signOut();
  if (tokens === undefined || tokens.issuer === "builtin" || !link?.endSessionEndpoint) return;
  const end = new URL(link.endSessionEndpoint);
  end.searchParams.set("client_id", link.clientId);
  end.searchParams.set("post_logout_redirect_uri", redirectUri());
  if (link.idToken) end.searchParams.set("id_token_hint", link.idToken);
  window.location.assign(end.toString());
}

/** The session with external sign-in: its sign-out also ends the issuer's session. */
export function withExternalSignIn(session: Session): Session {
  return { ...session, signOut: () => signOutEverywhere(session) };
}
