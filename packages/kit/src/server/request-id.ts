import { randomUUID } from "node:crypto";
import type { NodeRequest, NodeResponse } from "./node-http.js";

/** The header that carries a request id in both directions. */
export const requestIdHeader = "x-request-id";

const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Tells whether a client-supplied request id is safe to reuse: 1-128 chars of `[A-Za-z0-9._:-]`. */
export function isSaneRequestId(value: string): boolean {
  return saneRequestId.test(value);
}

/**
 * Picks the request id for an incoming request: the client's `x-request-id` when it is sane,
 * otherwise a fresh random UUID.
 */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && isSaneRequestId(value) ? value : randomUUID();
}

// Kept on the request itself (a property lookup is cheaper than a WeakMap entry per call).
const requestIdSlot = Symbol("guardian.requestId");
type Tagged = NodeRequest & { [requestIdSlot]?: string };

/**
 * Resolves the request id for a Node request, echoes it in the response's `x-request-id`
 * header, and remembers it for {@link requestIdOf}.
 *
 * Call it first thing in the request listener, so every response carries the id.
 */
export function assignRequestId(req: NodeRequest, res: NodeResponse): string {
  const id = resolveRequestId(req.headers[requestIdHeader]);
  (req as Tagged)[requestIdSlot] = id;
  res.setHeader(requestIdHeader, id);
  return id;
}

/** Returns the request id assigned to a Node request by {@link assignRequestId}, if any. */
export function requestIdOf(req: NodeRequest): string | undefined {
  return (req as Tagged)[requestIdSlot];
}
