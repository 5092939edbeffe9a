import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/** A request from either the HTTP/1.1 or the h2 server. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** A response of either the HTTP/1.1 or the h2 server. */
export type NodeResponse = ServerResponse | Http2ServerResponse;
