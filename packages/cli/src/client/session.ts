import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService, SchemaService } from "@guardian/api";
import {
  createGuardianClient,
  tokenSource,
  type GuardianClient,
  type TokenProvider,
} from "@guardian/client";
import { UsageError } from "../usage-error.js";
import { refreshAtIssuer } from "./device-login.js";
import {
  profileFilePath,
  profileName,
  readProfiles,
  updateProfile,
  type Profile,
} from "./profiles.js";

/** The options every command takes (see program.ts). */
export interface GlobalOptions {
  profile?: string;
  url?: string;
  output?: "table" | "json";
}

/** The typed clients of the public services. */
export type Clients = Pick<GuardianClient, "auth" | "config" | "schema" | "cluster">;

/** A server and the credentials a command calls it with. */
export interface Session extends Clients {
  url: string;
  /** The profile the session came from (and where a refreshed token is saved). */
  profile: string;
  profilePath: string;
  /** The SDK client behind the clients, for subscriptions; undefined without credentials. */
  sdk: GuardianClient | undefined;
}

/** How long before its expiry a profile's access token is refreshed. */
const refreshMarginMs = 30_000;

/** Clients that send no credentials (Login, Refresh, Logout). */
export function anonymous(url: string): Clients {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "1.1" });
  return {
    auth: createClient(AuthService, transport),
    config: createClient(ConfigService, transport),
    schema: createClient(SchemaService, transport),
    cluster: createClient(ClusterService, transport),
  };
}

/** Checks a server URL given on the command line or in the environment. */
export function checkUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${from} must be an http:// or https:// URL, got "${url}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`${from} must be an http:// or https:// URL, got "${url}"`);
  }
  return url.replace(/\/+$/, "");
}

/** The server a command talks to: `--url`, else GUARDIAN_URL, else the profile's. */
export function serverUrl(
  opts: GlobalOptions,
  stored: Profile | undefined,
  env = process.env,
): string | undefined {
  if (opts.url) return checkUrl(opts.url, "--url");
  if (env.GUARDIAN_URL) return checkUrl(env.GUARDIAN_URL, "GUARDIAN_URL");
  return stored?.url;
}

/**
 * Opens the session a command runs in. The server is `--url`, else GUARDIAN_URL, else the
 * profile's. Credentials: GUARDIAN_TOKEN (a bearer token), else GUARDIAN_API_KEY, else the
 * profile's access token (refreshed with its refresh token shortly before it expires or
 * after the server refused it — at Guardian or, for a `login --device` session, at the
 * issuer's token endpoint — the new pair saved), else the profile's API key; with none,
 * calls go unauthenticated.
 */
export async function openSession(opts: GlobalOptions, env = process.env): Promise<Session> {
  const path = profileFilePath(env);
  const name = profileName(opts.profile, env);
  const stored = (await readProfiles(path)).profiles[name];
  const url = serverUrl(opts, stored, env);
  if (!url) {
    throw new UsageError(
      `no server for profile "${name}": run "guardian login --url URL ..." or set GUARDIAN_URL`,
    );
  }
  // A session's tokens belong to the server they came from.
  const own = stored !== undefined && stored.url === url ? stored : undefined;
  const credentials = env.GUARDIAN_TOKEN
    ? { tokenProvider: fixedToken(env.GUARDIAN_TOKEN) }
    : env.GUARDIAN_API_KEY
      ? { apiKey: env.GUARDIAN_API_KEY }
      : own?.accessToken
        ? { tokenProvider: profileTokens(url, path, name, own) }
        : own?.apiKey
          ? { apiKey: own.apiKey }
          : undefined;
  const sdk = credentials ? createGuardianClient({ baseUrl: url, ...credentials }) : undefined;
  const clients = sdk ?? anonymous(url);
  return {
    auth: clients.auth,
    config: clients.config,
    schema: clients.schema,
    cluster: clients.cluster,
    url,
    profile: name,
    profilePath: path,
    sdk,
  };
}

/** A bearer token used as is, never refreshed (GUARDIAN_TOKEN, a token just issued). */
export function fixedToken(token: string): TokenProvider {
  return { getToken: async () => token, refresh: async () => token };
}

/**
 * The tokens of a profile's session: the stored access token while it is valid, then
 * tokens from AuthService/Refresh, each new pair saved in the profile (refresh tokens are
 * single use).
 */
function profileTokens(url: string, path: string, name: string, start: Profile): TokenProvider {
  let profile = start;
  let storedServed = false;
  return tokenSource(
    async () => {
      if (!storedServed && !needsRefresh(profile)) {
        storedServed = true;
        return { accessToken: profile.accessToken!, expiresAt: expiry(profile) };
      }
      storedServed = true;
      if (!profile.refreshToken) {
        throw new ConnectError(
          `the session of profile "${name}" expired; run "guardian login" again`,
          Code.Unauthenticated,
        );
      }
      if (profile.tokenEndpoint) {
        profile = { ...profile, ...(await refreshAtIssuer(profile)) };
      } else {
        const { tokens } = await anonymous(url).auth.refresh({
          refreshToken: profile.refreshToken,
        });
        profile = { ...profile, ...tokenFields(tokens) };
      }
      await updateProfile(path, name, () => profile);
      return { accessToken: profile.accessToken!, expiresAt: expiry(profile) };
    },
    { refreshMarginMs },
  );
}

function expiry(profile: Profile): Date {
  // A token without a known expiry is used until the server refuses it.
  return profile.accessTokenExpireTime
    ? new Date(profile.accessTokenExpireTime)
    : new Date(Date.now() + 3_600_000);
}

function needsRefresh(profile: Profile): boolean {
  if (!profile.accessTokenExpireTime) return false;
  return Date.parse(profile.accessTokenExpireTime) - Date.now() < refreshMarginMs;
}

/** The profile fields of a token pair from Login or Refresh. */
export function tokenFields(
  tokens:
    | {
        accessToken: string;
        refreshToken: string;
        expireTime?: Parameters<typeof timestampDate>[0];
      }
    | undefined,
): Pick<Profile, "accessToken" | "refreshToken" | "accessTokenExpireTime"> {
  if (!tokens) throw new Error("the server answered without tokens");
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpireTime: tokens.expireTime
      ? timestampDate(tokens.expireTime).toISOString()
      : undefined,
  };
}
