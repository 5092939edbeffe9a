import { Code } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import type { Json } from "./clusters.js";

/** One kind of answer Envoy gives on its own, and the RPC error it stands for. */
export interface LocalReplyCode {
  /** The HTTP status Envoy's filter or router replies with. */
  readonly status: number;
  /** The RPC code a client must see. */
  readonly code: Code;
  /** The error message, the same in every protocol. */
  readonly message: string;
}

/**
 * Envoy's own rejections and the codes clients get for them: jwt_authn (401), the rate
 * limits (429), no healthy upstream or an open circuit breaker (503), the upstream timeout
 * (504), a request over the buffer limit (413), no route (404) and RBAC or CORS (403).
 */
export const localReplyCodes: readonly LocalReplyCode[] = [
  { status: 401, code: Code.Unauthenticated, message: "the gateway needs a valid access token" },
  { status: 403, code: Code.PermissionDenied, message: "the gateway refused the request" },
  { status: 404, code: Code.Unimplemented, message: "the gateway has no route for this RPC" },
  { status: 413, code: Code.ResourceExhausted, message: "the request is too large" },
  { status: 429, code: Code.ResourceExhausted, message: "rate limit exceeded; retry later" },
  { status: 503, code: Code.Unavailable, message: "no healthy upstream; retry later" },
  { status: 504, code: Code.DeadlineExceeded, message: "the upstream did not answer in time" },
];

function contentType(prefix: string): Json {
  return { name: "content-type", string_match: { prefix, ignore_case: true } };
}

/**
 * How requests of each protocol are recognised by their headers. gRPC-Web requests match as
 * gRPC: the grpc_web filter, which runs before every filter that rejects, has rewritten
 * their content-type to `application/grpc` by then.
 */
export const protocolMatchers = {
  grpc: [contentType("application/grpc")],
  connectStreamJson: [contentType("application/connect+json")],
  connectStreamProto: [contentType("application/connect+")],
  // Unary POST by content-type, any Connect request by its version header, unary GET by the
  // `connect=v1` query parameter.
  connectUnary: [
    contentType("application/json"),
    contentType("application/proto"),
    { name: "connect-protocol-version", present_match: true },
    { name: ":path", string_match: { safe_regex: { regex: "[^?]*\\?(.*&)?connect=v1(&.*)?" } } },
  ],
} as const satisfies Record<string, readonly Json[]>;

function header(key: string, value: string): Json {
  return { header: { key, value }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" };
}

/** A `grpc-message` value: printable ASCII is sent as it is, anything else percent-encoded. */
export function grpcMessage(message: string): string {
  return [...new TextEncoder().encode(message)]
    .map((b) =>
      b >= 0x20 && b <= 0x7e && b !== 0x25
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
}

function statusIs(status: number): Json {
  return {
    status_code_filter: {
      comparison: {
        op: "EQ",
        value: { default_value: status, runtime_key: `local_reply.status_${status}` },
      },
    },
  };
}

function when(status: number, headers: readonly Json[]): Json {
  const protocol =
    headers.length === 1
      ? { header_filter: { header: headers[0] } }
      : { or_filter: { filters: headers.map((header) => ({ header_filter: { header } })) } };
  return { and_filter: { filters: [statusIs(status), protocol] } };
}

/**
 * A Connect end-of-stream message carrying `error`: flags 0x02, the length (big-endian
 * uint32), then `{"error":{"code","message"}}`, as the Connect protocol frames it.
 */
export function connectEndStream(code: Code, message: string): Uint8Array {
  const json = new TextEncoder().encode(
    JSON.stringify({ error: { code: codeToString(code), message } }),
  );
  const frame = new Uint8Array(5 + json.length);
  frame[0] = 0x02;
  new DataView(frame.buffer).setUint32(1, json.length);
  frame.set(json, 5);
  return frame;
}

function connectStream(r: LocalReplyCode, headers: readonly Json[], contentType: string): Json {
  return {
    filter: when(r.status, headers),
    // Connect clients read a stream's error only from a 200 answer's end-of-stream message.
    status_code: 200,
    body_format_override: {
      text_format_source: {
        inline_bytes: Buffer.from(connectEndStream(r.code, r.message)).toString("base64"),
      },
      content_type: contentType,
    },
  };
}

/**
 * The listener's `local_reply_config`: for each of {@link localReplyCodes}, the answer in
 * the caller's protocol. gRPC and gRPC-Web get a trailers-only answer with the code in
 * `grpc-status`; Connect streams an HTTP 200 end-of-stream message; Connect unary calls the
 * JSON error body with the HTTP status the Connect protocol gives the code. Other requests
 * (the console's files) keep Envoy's plain answers.
 */
export function localReplyConfig(): Json {
  const mappers = localReplyCodes.flatMap((r) => [
    {
      // A 200 without a body, its status in the headers: a trailers-only gRPC answer. Envoy
      // answers gRPC this way anyway (keeping the grpc-status set here); for gRPC-Web, which
      // Envoy does not treat as gRPC here, the grpc_web filter then passes it on unchanged
      // as a gRPC-Web answer, instead of a non-200 that gRPC-Web clients map by HTTP status.
      filter: when(r.status, protocolMatchers.grpc),
      status_code: 200,
      headers_to_add: [
        header("grpc-status", String(r.code)),
        header("grpc-message", grpcMessage(r.message)),
      ],
      body: { inline_string: "" },
    },
    connectStream(r, protocolMatchers.connectStreamJson, "application/connect+json"),
    connectStream(r, protocolMatchers.connectStreamProto, "application/connect+proto"),
    {
      filter: when(r.status, protocolMatchers.connectUnary),
      status_code: codeToHttpStatus(r.code),
      body: { inline_string: r.message },
      body_format_override: {
        json_format: { code: codeToString(r.code), message: "%LOCAL_REPLY_BODY%" },
        content_type: "application/json",
      },
    },
  ]);
  return { mappers };
}
