import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";

/** A request from either the HTTP/1.1 or the h2 server. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** A response of either the HTTP/1.1 or the h2 server. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** The host part of a URL that reaches the bound address (loopback for a wildcard bind). */
export function urlHost(bound: AddressInfo): string {
  if (bound.address === "0.0.0.0") return "127.0.0.1";
  if (bound.address === "::") return "[::1]";
  return bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
}

/**
 * Whether a response can no longer be written: finished, or its connection (HTTP/1.1) or
 * stream (HTTP/2) closed. An `Http2ServerResponse` has no `destroyed` of its own.
 */
export function responseGone(res: NodeResponse): boolean {
  if (res.writableEnded) return true;
  return "stream" in res ? res.stream.destroyed || res.stream.closed : res.destroyed;
}
