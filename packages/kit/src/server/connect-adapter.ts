import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { internalError } from "../errors/internal.js";
import { createAbortFanout } from "../rpc/abort-fanout.js";
import type { Logger } from "../logging/logger.js";
import { writeEarlyError } from "./early-error.js";
import { responseGone, type NodeRequest, type NodeResponse } from "./node-http.js";
import { requestIdOf } from "./request-id.js";

/** What {@link createConnectAdapter} needs. */
export interface ConnectAdapterOptions {
  /** Connect's handlers of every route (a router's `handlers`, wrapped or not). */
  handlers: readonly UniversalHandler[];
  /** Aborts every call still running when it aborts (the server's last word at shutdown). */
  signal?: AbortSignal;
  valuesOf(req: NodeRequest): ContextValues;
  logger: Logger;
  /** Largest request body read and discarded before an early answer over HTTP/1.1. */
  readMaxBytes: number;
}

/**
 * Serves Connect's handlers on Node requests, as connect-node's adapter does (404 for a path
 * no handler has), except that no call is ever left unanswered: when a handler's promise
 * rejects, or its response body fails part way, connect-node only logs, and the client waits
 * until its own deadline. Here the call gets Internal in its own protocol when nothing was
 * sent yet, and is reset when something was (see {@link answerFailure}).
 */
export function createConnectAdapter(
  o: ConnectAdapterOptions,
): (req: NodeRequest, res: NodeResponse) => void {
  const paths = new Map(o.handlers.map((h) => [h.requestPath, h]));
  const join = o.signal && createAbortFanout(o.signal);
  return (req, res) => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = paths.get(query < 0 ? url : url.slice(0, query));
    if (handler === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    let uReq: Parameters<UniversalHandler>[0];
    try {
      uReq = universalRequestFromNodeRequest(req, res, undefined, o.valuesOf(req));
    } catch (err) {
      answerFailure(req, res, err, o, `rpc ${handler.requestPath}`);
      return;
    }
    const leave = join && joinCall(uReq, join);
    handler(uReq)
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((err: unknown) => answerFailure(req, res, err, o, `rpc ${handler.requestPath}`))
      .finally(leave);
  };
}

/**
 * Gives the call a signal of its own, aborted with the client's (connect-node's request
 * signal) or with the shared one `join` passes on, and returns its leave.
 */
function joinCall(
  uReq: Parameters<UniversalHandler>[0],
  join: (call: AbortController) => () => void,
): () => void {
  const call = new AbortController();
  const client = uReq.signal;
  const onClientAbort = () => call.abort(client.reason);
  if (client.aborted) onClientAbort();
  else client.addEventListener("abort", onClientAbort, { once: true });
  uReq.signal = call.signal;
  const leave = join(call);
  return () => {
    client.removeEventListener("abort", onClientAbort);
    leave();
  };
}

/**
 * Ends a request whose handling failed unexpectedly (a thrown error, a rejected promise):
 * logs it with the request ID, then answers Internal in the call's protocol (the client sees
 * only "internal error" and the request ID) when no header was sent, or resets the stream
 * (HTTP/2) or closes the connection (HTTP/1.1) when the answer had begun. Nothing is done
 * for a call whose answer was finished or whose client went away.
 */
export function answerFailure(
  req: NodeRequest,
  res: NodeResponse,
  err: unknown,
  o: { logger: Logger; readMaxBytes: number },
  what: string,
): void {
  const reqId = requestIdOf(req);
  if (responseGone(res)) {
    o.logger.debug({ err, reqId }, `${what}: failed after its client went away`);
    return;
  }
  o.logger.error({ err, reqId }, `${what} failed`);
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : new ConnectError(String(err), Code.Internal));
    return;
  }
  writeEarlyError(req, res, internalError(err, reqId), o.readMaxBytes);
}

/** The last authority found valid: a client sends the same one on every call. */
let validAuthority: string | undefined;

/**
 * InvalidArgument for an RPC whose authority (HTTP/2's `:authority`, else the Host header)
 * is missing or not a host a URL can have, such as `[::` or `%`: Connect makes the call's
 * URL from it. Undefined when it is fine.
 */
export function authorityError(req: NodeRequest): ConnectError | undefined {
  // As connect-node reads it (Node's HTTP/2 request falls back to Host itself).
  const authority = "authority" in req ? req.authority : req.headers.host;
  if (authority !== undefined && authority === validAuthority) return undefined;
  if (authority !== undefined && authority !== "" && URL.canParse(`http://${authority}/`)) {
    validAuthority = authority;
    return undefined;
  }
  const shown = authority === undefined ? "none" : JSON.stringify(authority.slice(0, 100));
  return new ConnectError(
    `invalid request: its authority (the :authority or Host header) must be a host and an optional port, not ${shown}`,
    Code.InvalidArgument,
  );
}
