import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService, SchemaService } from "@guardian/api";
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
export interface Clients {
  auth: Client<typeof AuthService>;
  config: Client<typeof ConfigService>;
  schema: Client<typeof SchemaService>;
  cluster: Client<typeof ClusterService>;
}

/** A server and the credentials a command calls it with. */
export interface Session extends Clients {
  url: string;
  /** The profile the session came from (and where a refreshed token is saved). */
  profile: string;
  profilePath: string;
}

/** How long before its expiry an access token is refreshed. */
const refreshMarginMs = 30_000;

/** Makes the clients for a server with fixed request headers (credentials). */
export function connect(url: string, headers: () => Promise<Record<string, string>>): Clients {
  const credentials: Interceptor = (next) => async (req) => {
    for (const [name, value] of Object.entries(await headers())) req.header.set(name, value);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    interceptors: [credentials],
  });
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

/**
 * Opens the session a command runs in. The server is `--url`, else GUARDIAN_URL, else the
 * profile's. Credentials: GUARDIAN_TOKEN (a bearer token), else GUARDIAN_API_KEY, else the
 * profile's access token (refreshed with its refresh token shortly before it expires, at
 * Guardian or, for a `login --device` session, at the issuer's token endpoint; the new pair
 * saved), else the profile's API key; with none, calls go unauthenticated.
 */
export async function openSession(opts: GlobalOptions, env = process.env): Promise<Session> {
  const path = profileFilePath(env);
  const name = profileName(opts.profile, env);
  const stored = (await readProfiles(path)).profiles[name];
  const url = opts.url
    ? checkUrl(opts.url, "--url")
    : env.GUARDIAN_URL
      ? checkUrl(env.GUARDIAN_URL, "GUARDIAN_URL")
      : stored?.url;
  if (!url) {
    throw new UsageError(
      `no server for profile "${name}": run "guardian login --url URL ..." or set GUARDIAN_URL`,
    );
  }
  let profile = stored;
  // A session's tokens belong to the server they came from.
  const own = profile !== undefined && profile.url === url;
  const headers = async (): Promise<Record<string, string>> => {
    if (env.GUARDIAN_TOKEN) return { authorization: `Bearer ${env.GUARDIAN_TOKEN}` };
    if (env.GUARDIAN_API_KEY) return { "x-api-key": env.GUARDIAN_API_KEY };
    if (!own || !profile) return {};
    if (profile.accessToken) {
      if (needsRefresh(profile) && profile.refreshToken) profile = await refresh(profile);
      return { authorization: `Bearer ${profile.accessToken}` };
    }
    return profile.apiKey ? { "x-api-key": profile.apiKey } : {};
  };
  const refresh = async (current: Profile): Promise<Profile> => {
    let next: Profile;
    if (current.tokenEndpoint) {
      next = { ...current, ...(await refreshAtIssuer(current)) };
    } else {
      const anonymous = connect(url, async () => ({}));
      const { tokens } = await anonymous.auth.refresh({ refreshToken: current.refreshToken });
      next = { ...current, ...tokenFields(tokens) };
    }
    await updateProfile(path, name, () => next);
    return next;
  };
  return { ...connect(url, headers), url, profile: name, profilePath: path };
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
