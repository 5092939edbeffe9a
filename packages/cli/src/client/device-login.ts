import { Code, ConnectError } from "@connectrpc/connect";
import { sleep } from "@guardian/kit";
import type { Profile } from "./profiles.js";

/** The endpoints of an external issuer, from its OpenID discovery document. */
export interface IssuerEndpoints {
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
}

/** What the device authorization endpoint answers (RFC 8628, section 3.2). */
interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

/** A token endpoint's answer, successful or not (RFC 6749, sections 5.1 and 5.2). */
interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/** The profile fields of a sign-in at an external issuer. */
export type IssuerTokens = Pick<
  Profile,
  "accessToken" | "refreshToken" | "accessTokenExpireTime" | "tokenEndpoint" | "clientId"
>;

function failed(message: string, code = Code.Unavailable): ConnectError {
  return new ConnectError(message, code);
}

async function postForm(url: string, form: Record<string, string>): Promise<[number, unknown]> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(form).toString(),
    });
  } catch (err) {
    throw failed(`cannot reach ${url}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as unknown;
  return [res.status, body];
}

/** Reads `<issuer>/.well-known/openid-configuration` for the device and token endpoints. */
export async function discoverIssuer(issuer: string): Promise<IssuerEndpoints> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let doc: Record<string, unknown>;
  try {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw failed(`cannot read ${url}: ${(err as Error).message}`);
  }
  const device = doc.device_authorization_endpoint;
  const token = doc.token_endpoint;
  if (typeof device !== "string" || typeof token !== "string") {
    throw failed(`${issuer} offers no device authorization grant`, Code.FailedPrecondition);
  }
  return { deviceAuthorizationEndpoint: device, tokenEndpoint: token };
}

function tokensOf(answer: TokenAnswer, endpoints: IssuerEndpoints, clientId: string): IssuerTokens {
  if (!answer.access_token) throw failed("the issuer answered without an access token");
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    accessTokenExpireTime:
      answer.expires_in === undefined
        ? undefined
        : new Date(Date.now() + answer.expires_in * 1000).toISOString(),
    tokenEndpoint: endpoints.tokenEndpoint,
    clientId,
  };
}

/**
 * Signs in with the OAuth 2.0 device authorization grant (RFC 8628): asks the issuer for a
 * user code, tells the user where to enter it (`prompt`, on stderr), then polls the token
 * endpoint at the interval the issuer asked for, slower after each `slow_down`, until the
 * user approves, denies or the code expires.
 */
export async function deviceLogin(
  endpoints: IssuerEndpoints,
  clientId: string,
  prompt: (text: string) => void,
): Promise<IssuerTokens> {
  const [status, body] = await postForm(endpoints.deviceAuthorizationEndpoint, {
    client_id: clientId,
    scope: "openid",
  });
  const grant = body as Partial<DeviceAuthorization> & TokenAnswer;
  if (status !== 200 || !grant.device_code || !grant.user_code || !grant.verification_uri) {
    throw failed(
      `the issuer refused device authorization: ${grant?.error_description ?? grant?.error ?? `HTTP ${status}`}`,
      Code.FailedPrecondition,
    );
  }
  prompt(
    `To sign in, open ${grant.verification_uri} and enter the code ${grant.user_code}` +
      (grant.verification_uri_complete ? `\n(or open ${grant.verification_uri_complete})` : "") +
      "\n",
  );
  let intervalMs = Math.max(1, grant.interval ?? 5) * 1000;
  const deadline = Date.now() + (grant.expires_in ?? 600) * 1000;
  for (;;) {
    await sleep(intervalMs);
    if (Date.now() > deadline)
      throw failed("the code expired before sign-in", Code.DeadlineExceeded);
    const [code, answer] = await postForm(endpoints.tokenEndpoint, {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: grant.device_code,
      client_id: clientId,
    });
    const token = (answer ?? {}) as TokenAnswer;
    if (code === 200) return tokensOf(token, endpoints, clientId);
    switch (token.error) {
      case "authorization_pending":
        continue;
      case "slow_down":
        intervalMs += 5000;
        continue;
      case "access_denied":
        throw failed("sign-in was denied at the issuer", Code.PermissionDenied);
      case "expired_token":
        throw failed("the code expired before sign-in", Code.DeadlineExceeded);
      default:
        throw failed(
          `the issuer refused the sign-in: ${token.error_description ?? token.error ?? `HTTP ${code}`}`,
          Code.Unauthenticated,
        );
    }
  }
}

/**
 * Exchanges a profile's refresh token at the external issuer's token endpoint for a new
 * access token (and the rotated refresh token, when the issuer sends one).
 */
export async function refreshAtIssuer(profile: Profile): Promise<IssuerTokens> {
  const endpoint = profile.tokenEndpoint!;
  const clientId = profile.clientId ?? "";
  const [code, answer] = await postForm(endpoint, {
    grant_type: "refresh_token",
    refresh_token: profile.refreshToken ?? "",
    client_id: clientId,
  });
  const token = (answer ?? {}) as TokenAnswer;
  if (code !== 200) {
    throw failed(
      `the session at the issuer could not be refreshed (${token.error ?? `HTTP ${code}`}); sign in again with "guardian login --device"`,
      Code.Unauthenticated,
    );
  }
  const next = tokensOf(
    token,
    { deviceAuthorizationEndpoint: "", tokenEndpoint: endpoint },
    clientId,
  );
  return { ...next, refreshToken: next.refreshToken ?? profile.refreshToken };
}
