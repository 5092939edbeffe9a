import type { Interceptor } from "@connectrpc/connect";
import type { TokenProvider } from "./tokens/token-provider.js";
import type { Protocol, TransportFactory } from "./transport.js";

/** Options shared by both ways of authenticating. */
interface CommonOptions {
  /** Guardian's base URL, for example `http://127.0.0.1:8080` or the gateway's URL. */
  baseUrl: string;
  /** `connect` (default): the Connect protocol over HTTP/1.1. `grpc`: gRPC over HTTP/2. */
  protocol?: Protocol;
  /** Interceptors that run on every call, after the one that adds the credentials. */
  interceptors?: Interceptor[];
  /** Builds the transport instead of `protocol` (for example a browser transport). */
  createTransport?: TransportFactory;
}

/** Options of `createGuardianClient`: exactly one of `apiKey` and `tokenProvider`. */
export type GuardianClientOptions = CommonOptions &
  (
    | { /** A project API key, sent as `x-api-key`. */ apiKey: string; tokenProvider?: never }
    | {
        /** Bearer tokens, sent as `Authorization: Bearer <token>`. */
        tokenProvider: TokenProvider;
        apiKey?: never;
      }
  );

/** The credentials a client sends, checked. */
export type Credentials = { apiKey: string } | { tokenProvider: TokenProvider };

/** Throws a TypeError naming `option` when `value` is not a non-empty string; returns it. */
export function requireText(fn: string, option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`${fn}: option "${option}" is required (a non-empty string)`);
  }
  return value;
}

/**
 * Checks the options of `createGuardianClient` and returns the credentials. Throws a
 * TypeError naming the option for a missing or malformed baseUrl, an unknown protocol, and
 * for both or neither of apiKey and tokenProvider.
 */
export function checkClientOptions(opts: GuardianClientOptions): Credentials {
  const fn = "createGuardianClient";
  if (typeof opts !== "object" || opts === null) throw new TypeError(`${fn}: options are required`);
  const baseUrl = requireText(fn, "baseUrl", opts.baseUrl);
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new TypeError(`${fn}: option "baseUrl" must be an http:// or https:// URL`);
  }
  if (opts.protocol !== undefined && opts.protocol !== "connect" && opts.protocol !== "grpc") {
    throw new TypeError(`${fn}: option "protocol" must be "connect" or "grpc"`);
  }
  const { apiKey, tokenProvider } = opts as { apiKey?: unknown; tokenProvider?: unknown };
  if (apiKey !== undefined && tokenProvider !== undefined) {
    throw new TypeError(`${fn}: pass either option "apiKey" or option "tokenProvider", not both`);
  }
  if (apiKey !== undefined) return { apiKey: requireText(fn, "apiKey", apiKey) };
  if (tokenProvider === undefined) {
    throw new TypeError(`${fn}: option "apiKey" or option "tokenProvider" is required`);
  }
  const p = tokenProvider as Partial<TokenProvider>;
  if (typeof p.getToken !== "function" || typeof p.refresh !== "function") {
    throw new TypeError(`${fn}: option "tokenProvider" must have getToken() and refresh()`);
  }
  return { tokenProvider: p as TokenProvider };
}
