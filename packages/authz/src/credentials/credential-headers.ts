import { Code, ConnectError } from "@connectrpc/connect";
import { parseApiKeySecret } from "./api-key-secret.js";

/** The credentials a call carries: a bearer token or an API key. */
export type CallCredentials =
  { kind: "token"; token: string } | { kind: "api_key"; secret: string };

function unauthenticated(message: string): ConnectError {
  return new ConnectError(message, Code.Unauthenticated);
}

/**
 * Reads the credentials of a call: a bearer token or an API key, never both. Returns
 * undefined when there are none; throws Unauthenticated when the headers are unusable.
 */
export function credentialsOf(header: Headers): CallCredentials | undefined {
  const authorization = header.get("authorization");
  const apiKey = header.get("x-api-key");
  if (authorization !== null && apiKey !== null) {
    throw unauthenticated("send either an Authorization header or x-api-key, not both");
  }
  if (apiKey !== null) return { kind: "api_key", secret: apiKey.trim() };
  if (authorization === null) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated("unsupported Authorization header; send Bearer <token>");
  return { kind: "token", token: match[1]! };
}

/** The error of a call that needs credentials and sent none. */
export function missingCredentials(): ConnectError {
  return unauthenticated("missing credentials: send Authorization: Bearer <token> or x-api-key");
}

/** A compact JWS: three base64url parts, the signature not empty (RS256 and ES256 only). */
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks the form of a call's credentials without looking anything up: present, one kind,
 * an API key of the form gdn_<id>_<secret>, a token of the form of a signed JWT. Returns
 * the Unauthenticated error of credentials that can never authenticate, or undefined.
 */
export function malformedCredentials(header: Headers): ConnectError | undefined {
  let credentials: CallCredentials | undefined;
  try {
    credentials = credentialsOf(header);
  } catch (err) {
    return ConnectError.from(err);
  }
  if (!credentials) return missingCredentials();
  if (credentials.kind === "api_key") {
    return parseApiKeySecret(credentials.secret)
      ? undefined
      : unauthenticated("invalid API key: expected gdn_<id>_<secret> in x-api-key");
  }
  return compactJws.test(credentials.token) ? undefined : unauthenticated("malformed access token");
}
