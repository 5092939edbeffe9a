import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";

/** What a transport is built from: the base URL and the client's interceptors. */
export interface TransportInit {
  baseUrl: string;
  interceptors: Interceptor[];
}

/**
 * Builds a transport. Pass one to use another HTTP stack, for example
 * `createConnectTransport` of `@connectrpc/connect-web` in a browser.
 */
export type TransportFactory = (init: TransportInit) => Transport;

/** The wire protocols the default transports speak. */
export type Protocol = "connect" | "grpc";

/** The Connect protocol over HTTP/1.1, with binary messages. */
export const defaultTransport: TransportFactory = ({ baseUrl, interceptors }) =>
  createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors });

/** gRPC over HTTP/2 (cleartext for http:// URLs). */
export const grpcTransport: TransportFactory = ({ baseUrl, interceptors }) =>
  createGrpcTransport({ baseUrl, interceptors });

/** The transport factory for a protocol. */
export function transportFor(protocol: Protocol): TransportFactory {
  return protocol === "grpc" ? grpcTransport : defaultTransport;
}
