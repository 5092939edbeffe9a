import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectError, ContextValues } from "@connectrpc/connect";

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
