import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectError, ContextValues } from "@connectrpc/connect";
import { createCallValues } from "./call-values.js";
import type { NodeRequest } from "./node-http.js";
import { requestIdOf } from "./request-id.js";
import { requestHeaders } from "./request-headers.js";

/** What the server knows of a call before it reads the call's body. */
export interface AdmitCall {
  /** The RPC the path names. */
  readonly method: DescMethod;
  /** The request headers (no HTTP/2 pseudo-headers). */
  readonly header: Headers;
  /** The client address, resolved as for `remoteAddressKey`. */
  readonly remoteAddress: string;
  /** The call's request id. */
  readonly requestId: string;
  /**
   * The context values the call's handler and interceptors will see: what the admission
   * check learned (such as who the caller is) is handed on through them.
   */
  readonly values: ContextValues;
}

/**
 * Decides from headers alone whether a call may proceed: returns the error to answer with
 * (in the call's own protocol, without reading its body), or undefined to serve it. It may
 * be asynchronous: the body is left unread until it settles.
 */
export type Admission = (
  call: AdmitCall,
) => ConnectError | undefined | Promise<ConnectError | undefined>;

/** The admission calls of one server, and the context values each one filled in. */
export interface AdmittedCalls {
  /** Describes a request to the admission check, with fresh context values. */
  callOf(req: NodeRequest, method: DescMethod, remoteAddress: string): AdmitCall;
  /** The context values the admission check filled in for a request, if it ran. */
  valuesOf(req: NodeRequest): ContextValues | undefined;
  /** The request headers the admission check saw, if it ran. */
  headerOf(req: NodeRequest): Headers | undefined;
}

/**
 * A Node request's headers (without HTTP/2 pseudo-headers) as a Headers object, copied in
 * only when something needs more than `get` or `has` (see {@link requestHeaders}).
 */
export function headersOf(req: NodeRequest): Headers {
  return requestHeaders(req);
}

interface Entry {
  values: ContextValues;
  header?: Headers;
}

/** An admission call; its headers are built when the check looks at them (health never does). */
class PendingCall implements AdmitCall {
  readonly requestId: string;
  readonly values: ContextValues;

  constructor(
    private readonly req: NodeRequest,
    private readonly entry: Entry,
    readonly method: DescMethod,
    readonly remoteAddress: string,
  ) {
    this.requestId = requestIdOf(req) ?? "";
    this.values = entry.values;
  }

  get header(): Headers {
    return (this.entry.header ??= headersOf(this.req));
  }
}

/** Creates the {@link AdmittedCalls} of a server. */
export function createAdmittedCalls(): AdmittedCalls {
  // Kept on the request itself (a property lookup is cheaper than a WeakMap entry per call).
  const slot = Symbol("guardian.admitted");
  type Tagged = NodeRequest & { [slot]?: Entry };
  return {
    callOf(req, method, remoteAddress) {
      const entry: Entry = { values: createCallValues() };
      (req as Tagged)[slot] = entry;
      return new PendingCall(req, entry, method, remoteAddress);
    },
    valuesOf: (req) => (req as Tagged)[slot]?.values,
    headerOf: (req) => (req as Tagged)[slot]?.header,
  };
}
