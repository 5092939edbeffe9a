import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { NodeRequest } from "./node-http.js";

/** How a call served by a fast route travels: its protocol and message codec. */
export interface FastWire {
  readonly protocol: "connect" | "grpc";
  /** Connect GET: the request message is in the query string. */
  readonly get: boolean;
  /** The proto codec; otherwise JSON. */
  readonly binary: boolean;
  /** The response compression the client accepts, if any (applied from 1 KiB on). */
  readonly compression: Compression | null;
  /** For Connect GET: the query string's parameters. */
  readonly query?: URLSearchParams;
}

const available = [compressionGzip, compressionBrotli];
/** The content type of a Connect unary request (not a stream), with its codec. */
export const connectUnaryType = /^application\/(json|proto)(?:; ?charset=utf-?8)?$/i;
const grpcType = /^application\/grpc(\+proto)?$/i;

/** Responses this small are sent uncompressed, as Connect does by default. */
export const compressMinBytes = 1024;

/**
 * Classifies a request for a fast route from its method and headers alone: Connect unary
 * POST (JSON or proto), Connect unary GET, or gRPC over h2 with the proto codec. Returns
 * undefined for everything else (gRPC-Web, gRPC JSON, compressed requests, deadlines,
 * protocol versions it does not know), which the generic Connect route serves instead.
 */
export function classifyFastWire(
  req: NodeRequest,
  url: string,
  method: DescMethod,
): FastWire | undefined {
  const h = req.headers;
  if (req.method === "GET") {
    // Connect allows GET only for methods without side effects (and answers 405 otherwise).
    if (method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return undefined;
    const q = url.indexOf("?");
    if (q < 0) return undefined;
    const query = new URLSearchParams(url.slice(q + 1));
    const connect = query.get("connect");
    const encoding = query.get("encoding");
    if (connect !== null && connect !== "v1") return undefined;
    if (encoding !== "json" && encoding !== "proto") return undefined;
    if (query.has("compression") || h["connect-timeout-ms"] !== undefined) return undefined;
    const b64 = query.get("base64");
    if (b64 !== null && b64 !== "1" && b64 !== "") return undefined;
    const compression = negotiate(undefined, h["accept-encoding"], "accept-encoding");
    if (compression === undefined) return undefined;
    return { protocol: "connect", get: true, binary: encoding === "proto", compression, query };
  }
  if (req.method !== "POST") return undefined;
  const type = h["content-type"] ?? "";
  const connect = connectUnaryType.exec(type);
  if (connect) {
    const version = h["connect-protocol-version"];
    if (version !== undefined && version !== "1") return undefined;
    if (h["connect-timeout-ms"] !== undefined) return undefined;
    const compression = negotiate(h["content-encoding"], h["accept-encoding"], "accept-encoding");
    if (compression === undefined) return undefined;
    const binary = connect[1]?.toLowerCase() === "proto";
    return { protocol: "connect", get: false, binary, compression };
  }
  if (req.httpVersionMajor === 2 && grpcType.test(type) && h["grpc-timeout"] === undefined) {
    const compression = negotiate(
      h["grpc-encoding"],
      h["grpc-accept-encoding"],
      "grpc-accept-encoding",
    );
    if (compression === undefined) return undefined;
    return { protocol: "grpc", get: false, binary: true, compression };
  }
  return undefined;
}

/**
 * The response compression for a request, null for none, or undefined when the request
 * itself is compressed (left to the generic route, which decompresses).
 */
function negotiate(
  encoding: string | string[] | undefined,
  accept: string | string[] | undefined,
  acceptName: string,
): Compression | null | undefined {
  if (encoding !== undefined && encoding !== "identity") return undefined;
  if (accept === undefined) return null;
  const value = Array.isArray(accept) ? accept.join(",") : accept;
  const negotiated = compressionNegotiate(available, null, value, acceptName);
  return negotiated.error ? undefined : negotiated.response;
}
