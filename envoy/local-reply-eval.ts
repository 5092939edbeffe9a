/**
 * A model of what Envoy sends a client for one of its own replies (a "local reply"), for the
 * subset of Envoy's behaviour the gateway config uses: the grpc_web filter's request and
 * response translation, `local_reply_config` mappers (status code, header and AND/OR
 * filters; status code, headers, body and body format rewrites), and the trailers-only
 * answer Envoy makes of a local reply to a gRPC request. Anything outside that subset throws,
 * so that a config using more cannot pass the tests unmodelled.
 */

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};

/** A local reply as a filter or the router makes it, before the mappers. */
export interface LocalReply {
  readonly status: number;
  /** Envoy's text body, for example `Jwt is missing`. */
  readonly body: string;
  /** The gRPC status a filter asks for explicitly (the rate limits do). */
  readonly grpcStatus?: number;
}

/** A request as the gateway sees it. */
export interface GatewayRequest {
  /** The `:path` pseudo-header, with the query. */
  readonly path: string;
  readonly headers: ConstructorParameters<typeof Headers>[0];
}

/** What the client receives. */
export interface ClientAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

// gRPC's mapping for intermediaries that only speak HTTP, which Envoy applies.
const httpToGrpc: Readonly<Record<number, number>> = {
  400: 13,
  401: 16,
  403: 7,
  404: 12,
  429: 14,
  502: 14,
  503: 14,
  504: 14,
};

function httpToGrpcStatus(status: number): number {
  return httpToGrpc[status] ?? 2;
}

/** Envoy's test for gRPC: `application/grpc`, or `application/grpc+<codec>`. */
function isGrpcContentType(value: string | null): boolean {
  return value !== null && (value === "application/grpc" || value.startsWith("application/grpc+"));
}

const grpcWebTypes = [
  "application/grpc-web",
  "application/grpc-web+proto",
  "application/grpc-web-text",
  "application/grpc-web-text+proto",
];

function stringMatches(m: Obj, value: string): boolean {
  const known = ["exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"];
  const unknown = Object.keys(m).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`unmodelled string matcher ${unknown.join(", ")}`);
  const fold = (s: string) => (m["ignore_case"] === true ? s.toLowerCase() : s);
  const v = fold(value);
  if (typeof m["exact"] === "string") return v === fold(m["exact"]);
  if (typeof m["prefix"] === "string") return v.startsWith(fold(m["prefix"]));
  if (typeof m["suffix"] === "string") return v.endsWith(fold(m["suffix"]));
  if (typeof m["contains"] === "string") return v.includes(fold(m["contains"]));
  const regex = obj(m["safe_regex"])["regex"];
  if (typeof regex === "string") return new RegExp(`^(?:${regex})$`).test(value);
  throw new Error("a string matcher without a pattern");
}

interface SeenRequest {
  readonly path: string;
  readonly headers: Headers;
}

function headerMatches(h: Obj, request: SeenRequest): boolean {
  const name = h["name"];
  if (typeof name !== "string") throw new Error("a header matcher without a name");
  const value = name === ":path" ? request.path : request.headers.get(name);
  let matched: boolean;
  if (h["present_match"] !== undefined) {
    matched = (value !== null) === h["present_match"];
  } else if (h["string_match"] !== undefined) {
    matched = value !== null && stringMatches(obj(h["string_match"]), value);
  } else {
    throw new Error(`unmodelled header matcher ${JSON.stringify(h)}`);
  }
  return h["invert_match"] === true ? !matched : matched;
}

/** Evaluates an access log filter (the subset mappers use) for one request and reply. */
export function filterMatches(filter: Obj, request: SeenRequest, status: number): boolean {
  const [kind, ...more] = Object.keys(filter);
  if (kind === undefined || more.length > 0) {
    throw new Error(`a filter must have exactly one kind, got ${Object.keys(filter).join(", ")}`);
  }
  const body = obj(filter[kind]);
  const parts = Array.isArray(body["filters"]) ? body["filters"].map(obj) : [];
  switch (kind) {
    case "and_filter":
      return parts.every((f) => filterMatches(f, request, status));
    case "or_filter":
      return parts.some((f) => filterMatches(f, request, status));
    case "header_filter":
      return headerMatches(obj(body["header"]), request);
    case "status_code_filter": {
      const comparison = obj(body["comparison"]);
      const value = Number(obj(comparison["value"])["default_value"]);
      const op = comparison["op"] ?? "EQ";
      if (op === "EQ") return status === value;
      if (op === "GE") return status >= value;
      if (op === "LE") return status <= value;
      throw new Error(`unmodelled comparison ${String(op)}`);
    }
    default:
      throw new Error(`unmodelled filter ${kind}`);
  }
}

function dataSource(source: Obj): Uint8Array {
  if (typeof source["inline_string"] === "string") {
    return new TextEncoder().encode(source["inline_string"]);
  }
  if (typeof source["inline_bytes"] === "string") {
    return new Uint8Array(Buffer.from(source["inline_bytes"], "base64"));
  }
  throw new Error(`unmodelled data source ${JSON.stringify(source)}`);
}

/** Substitutes the one command the mappers use; any other `%...%` command throws. */
function substitute(format: string, body: string): string {
  return format.replace(/%([A-Z_]+)(?:\([^)]*\))?%/g, (command: string, name: string) => {
    if (name === "LOCAL_REPLY_BODY") return body;
    throw new Error(`unmodelled command ${command}`);
  });
}

function formatBody(format: Obj, body: string): Uint8Array {
  if (format["json_format"] !== undefined) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(obj(format["json_format"]))) {
      if (typeof v !== "string") throw new Error(`unmodelled json_format value for ${k}`);
      out[k] = substitute(v, body);
    }
    return new TextEncoder().encode(`${JSON.stringify(out)}\n`);
  }
  if (typeof format["text_format"] === "string") {
    return new TextEncoder().encode(substitute(format["text_format"], body));
  }
  if (format["text_format_source"] !== undefined) {
    const source = dataSource(obj(format["text_format_source"]));
    const text = new TextDecoder().decode(source);
    if (text.includes("%")) throw new Error("unmodelled command in text_format_source");
    return source;
  }
  throw new Error(`unmodelled body format ${JSON.stringify(format)}`);
}

/**
 * What a client that sent `sent` receives when a filter after grpc_web (or the
 * router) answers with `reply`, under `localReplyConfig` (the HTTP connection manager's
 * `local_reply_config`, in the YAML's snake_case).
 */
export function answerLocalReply(
  localReplyConfig: unknown,
  sent: GatewayRequest,
  reply: LocalReply,
): ClientAnswer {
  const request = { path: sent.path, headers: new Headers(sent.headers) };
  // Envoy decides whether a request is gRPC when its headers arrive, before any filter.
  const isGrpc = isGrpcContentType(request.headers.get("content-type"));
  // grpc_web (before the rejecting filters) turns a gRPC-Web request into gRPC.
  const isGrpcWeb = grpcWebTypes.includes(request.headers.get("content-type") ?? "");
  if (isGrpcWeb) request.headers.set("content-type", "application/grpc");

  let status = reply.status;
  let text = reply.body;
  let body: Uint8Array | undefined;
  const headers = new Headers();
  let contentType = "text/plain";
  const mappers = (obj(localReplyConfig)["mappers"] ?? []) as unknown[];
  const mapper = mappers.map(obj).find((m) => filterMatches(obj(m["filter"]), request, status));
  if (mapper !== undefined) {
    if (mapper["status_code"] !== undefined) status = Number(mapper["status_code"]);
    for (const h of (mapper["headers_to_add"] ?? []) as Obj[]) {
      const { key, value } = obj(h["header"]) as { key: string; value: string };
      headers.set(key, value);
    }
    if (mapper["body"] !== undefined) {
      text = new TextDecoder().decode(dataSource(obj(mapper["body"])));
    }
    const format = obj(mapper["body_format_override"]);
    if (Object.keys(format).length > 0) {
      body = formatBody(format, text);
      if (typeof format["content_type"] === "string") contentType = format["content_type"];
    }
  }
  body ??= new TextEncoder().encode(text);

  if (isGrpc) {
    // A trailers-only answer: HTTP 200, the status in the headers, the body as the message.
    if (!headers.has("grpc-status")) {
      headers.set("grpc-status", String(reply.grpcStatus ?? httpToGrpcStatus(status)));
    }
    if (body.length > 0) headers.set("grpc-message", new TextDecoder().decode(body));
    headers.set("content-type", "application/grpc");
    return { status: 200, headers, body: new Uint8Array() };
  }
  if (body.length > 0) headers.set("content-type", contentType);
  if (!isGrpcWeb) return { status, headers, body };

  // grpc_web's encoder: a headers-only answer with grpc-status, or a 200 gRPC answer, passes
  // as it is; anything else becomes grpc-status/grpc-message headers (the HTTP status stays).
  const endStream = body.length === 0;
  const isGrpcAnswer = endStream
    ? headers.has("grpc-status")
    : status === 200 && isGrpcContentType(headers.get("content-type"));
  const accept = request.headers.get("accept") ?? "";
  headers.set(
    "content-type",
    accept.startsWith("application/grpc-web-text")
      ? "application/grpc-web-text+proto"
      : "application/grpc-web+proto",
  );
  if (isGrpcAnswer) return { status, headers, body };
  headers.set("grpc-message", new TextDecoder().decode(body));
  headers.set("grpc-status", String(httpToGrpcStatus(status)));
  return { status, headers, body: new Uint8Array() };
}
