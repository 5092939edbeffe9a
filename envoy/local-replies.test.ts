import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import * as connect from "@connectrpc/connect/protocol-connect";
import * as grpc from "@connectrpc/connect/protocol-grpc";
import * as grpcWeb from "@connectrpc/connect/protocol-grpc-web";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { httpFilterOrder } from "./http-filters.js";
import { answerLocalReply, type ClientAnswer, type LocalReply } from "./local-reply-eval.js";
import { connectEndStream, localReplyCodes } from "./local-replies.js";
import { profiles } from "./profiles.js";
import { repoRoot } from "./protos.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const unaryPath = "/guardian.config.v1.ConfigService/GetConfig";
const streamPath = "/guardian.config.v1.ConfigService/Watch";

/** How each kind of client calls, with the headers connect-es itself sends. */
const clients = {
  "Connect unary (JSON)": {
    path: unaryPath,
    headers: connect.requestHeader("unary", false, 15_000, undefined, true),
  },
  "Connect unary (binary)": {
    path: unaryPath,
    headers: connect.requestHeader("unary", true, undefined, undefined, true),
  },
  "Connect unary GET": {
    path: `${unaryPath}?connect=v1&encoding=proto&base64=1&message=CgRkZW1v`,
    headers: new Headers(),
  },
  "Connect stream (JSON)": {
    path: streamPath,
    headers: connect.requestHeader("server_streaming", false, undefined, undefined, true),
  },
  "Connect stream (binary)": {
    path: streamPath,
    headers: connect.requestHeader("server_streaming", true, undefined, undefined, true),
  },
  gRPC: { path: unaryPath, headers: grpc.requestHeader(true, 15_000, undefined) },
  "gRPC-Web (binary)": {
    path: streamPath,
    headers: grpcWeb.requestHeader(true, undefined, undefined, true),
  },
  "gRPC-Web (JSON)": {
    path: unaryPath,
    headers: grpcWeb.requestHeader(false, undefined, undefined, true),
  },
  "gRPC-Web (text, another client)": {
    path: unaryPath,
    headers: { "content-type": "application/grpc-web-text", accept: "application/grpc-web-text" },
  },
} as const;

type Client = keyof typeof clients;

/** The error a connect-es client of kind `client` reads from `answer`, with its own parsers. */
function errorSeenBy(client: Client, answer: ClientAnswer): ConnectError | undefined {
  try {
    return readError(client, answer);
  } catch (err) {
    // The parsers throw what they read from a status or header alone.
    if (err instanceof ConnectError) return err;
    throw err;
  }
}

function readError(client: Client, answer: ClientAnswer): ConnectError | undefined {
  const { status, headers, body } = answer;
  if (client.startsWith("Connect unary")) {
    const binary = client !== "Connect unary (JSON)";
    const res = connect.validateResponse("unary", binary, status, headers);
    if (!res.isUnaryError) return undefined;
    return connect.errorFromJsonBytes(body, headers, res.unaryError);
  }
  if (client.startsWith("Connect stream")) {
    const binary = client === "Connect stream (binary)";
    connect.validateResponse("server_streaming", binary, status, headers);
    // The whole body is one end-of-stream message.
    const length = new DataView(body.buffer, body.byteOffset).getUint32(1);
    expect(body[0]! & connect.endStreamFlag).toBe(connect.endStreamFlag);
    expect(body.length).toBe(5 + length);
    return connect.endStreamFromJson(body.subarray(5)).error;
  }
  if (client === "gRPC") return grpc.validateResponse(status, headers).headerError;
  const res = grpcWeb.validateResponse(status, headers);
  expect(res.foundStatus).toBe(true);
  return res.headerError;
}

/** What Envoy's filters and router send before any mapper, per status. */
const envoyReplies: Readonly<Record<number, LocalReply>> = {
  401: { status: 401, body: "Jwt is missing" },
  403: { status: 403, body: "RBAC: access denied" },
  404: { status: 404, body: "" },
  413: { status: 413, body: "Payload Too Large" },
  // Both rate limit filters ask for RESOURCE_EXHAUSTED (rate_limited_as_resource_exhausted).
  429: { status: 429, body: "", grpcStatus: Code.ResourceExhausted },
  503: { status: 503, body: "no healthy upstream" },
  504: { status: 504, body: "upstream request timeout" },
};

describe.each(profiles)("Envoy's own replies in the $name gateway config", (profile) => {
  let hcm: Doc;

  beforeAll(async () => {
    const doc = parse(await readFile(join(repoRoot, profile.output), "utf8")) as Doc;
    hcm = doc["static_resources"].listeners[0].filter_chains[0].filters[0].typed_config;
  });

  it("translates gRPC-Web after CORS and before every filter that can reject", () => {
    const names = (hcm["http_filters"] as Doc[]).map((f) => f["name"] as string);
    const at = (name: string) => names.indexOf(`envoy.filters.http.${name}`);
    expect(names).toEqual([...httpFilterOrder]);
    expect(at("grpc_web")).toBeGreaterThan(at("cors"));
    for (const later of ["jwt_authn", "local_ratelimit", "ratelimit", "router"]) {
      expect(at("grpc_web")).toBeLessThan(at(later));
    }
    const byName = (name: string) =>
      (hcm["http_filters"] as Doc[]).find((f) => f["name"] === `envoy.filters.http.${name}`)!;
    expect(byName("ratelimit").typed_config.rate_limited_as_resource_exhausted).toBe(true);
    expect(byName("local_ratelimit").typed_config.rate_limited_as_resource_exhausted).toBe(true);
  });

  const cases = localReplyCodes.flatMap((r) =>
    (Object.keys(clients) as Client[]).map((client) => ({ ...r, client })),
  );

  it.each(cases)("answers $status to a $client client as code $code", (c) => {
    const answer = answerLocalReply(
      hcm["local_reply_config"],
      clients[c.client],
      envoyReplies[c.status]!,
    );
    const error = errorSeenBy(c.client, answer);
    expect(error, JSON.stringify(answer)).toBeInstanceOf(ConnectError);
    expect(Code[error!.code]).toBe(Code[c.code]);
    expect(error!.rawMessage).toBe(c.message);
    if (c.client.startsWith("Connect unary")) {
      expect(answer.status).toBe(connect.codeToHttpStatus(c.code));
      expect(answer.headers.get("content-type")).toBe("application/json");
    } else {
      // Streams, gRPC and gRPC-Web carry the code in a 200 answer.
      expect(answer.status).toBe(200);
    }
  });

  it("answers a 429 that names no gRPC status the same way", () => {
    const answer = answerLocalReply(hcm["local_reply_config"], clients["Connect unary (JSON)"], {
      status: 429,
      body: "",
    });
    expect(answer.status).toBe(429);
    expect(errorSeenBy("Connect unary (JSON)", answer)?.code).toBe(Code.ResourceExhausted);
  });

  it("leaves Envoy's plain answers to requests that are not RPCs (the console's files)", () => {
    const page = { path: "/", headers: { accept: "text/html" } };
    const answer = answerLocalReply(hcm["local_reply_config"], page, envoyReplies[503]!);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("content-type")).toBe("text/plain");
    expect(new TextDecoder().decode(answer.body)).toBe("no healthy upstream");
  });

  it("would give clients the wrong codes without the mappers", () => {
    const without = (client: Client, status: number) =>
      errorSeenBy(client, answerLocalReply({}, clients[client], envoyReplies[status]!))?.code;
    // Connect maps HTTP 429 to Unavailable, so clients would retry into the limit.
    expect(without("Connect unary (JSON)", 429)).toBe(Code.Unavailable);
    expect(without("Connect stream (JSON)", 504)).toBe(Code.Unavailable);
    expect(without("gRPC-Web (binary)", 413)).toBe(Code.Unknown);
    expect(without("gRPC", 504)).toBe(Code.Unavailable);
  });
});

describe("the local reply model", () => {
  it("refuses config it does not model, rather than passing it unchecked", () => {
    const request = clients.gRPC;
    const reply = envoyReplies[401]!;
    const mapper = (filter: Doc) => ({ mappers: [{ filter }] });
    expect(() =>
      answerLocalReply(mapper({ response_flag_filter: { flags: ["UH"] } }), request, reply),
    ).toThrow(/unmodelled filter response_flag_filter/);
    const format = {
      mappers: [
        {
          filter: {
            status_code_filter: { comparison: { op: "EQ", value: { default_value: 401 } } },
          },
          body_format_override: { text_format: "%RESPONSE_CODE%" },
        },
      ],
    };
    expect(() => answerLocalReply(format, clients["Connect unary (JSON)"], reply)).toThrow(
      /unmodelled command %RESPONSE_CODE%/,
    );
  });
});

describe("connectEndStream", () => {
  it("frames an error as the Connect protocol's end-of-stream message", () => {
    const frame = connectEndStream(Code.ResourceExhausted, "slow down");
    expect(frame[0]).toBe(connect.endStreamFlag);
    const { error } = connect.endStreamFromJson(frame.subarray(5));
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(error?.rawMessage).toBe("slow down");
  });
});
