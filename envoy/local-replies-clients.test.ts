import { readFile } from "node:fs/promises";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ConfigService } from "@guardian/api";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerLocalReply } from "./local-reply-eval.js";
import { localReplyCodes } from "./local-replies.js";
import { composeProfile } from "./profiles.js";
import { repoRoot } from "./protos.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The request header that tells the stand-in gateway which status Envoy rejects with. */
const statusHeader = "x-test-envoy-status";

// A stand-in for the gateway that rejects every call as Envoy would (per the model of its
// local replies and the generated local_reply_config), so that connect-es's real transports
// read the answers end to end.
let server: http2.Http2Server;
let baseUrl: string;
const sessions = new Set<http2.ServerHttp2Session>();

beforeAll(async () => {
  const doc = parse(await readFile(join(repoRoot, composeProfile.output), "utf8")) as Doc;
  const config = doc["static_resources"].listeners[0].filter_chains[0].filters[0].typed_config[
    "local_reply_config"
  ] as unknown;
  server = http2.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (!k.startsWith(":") && typeof v === "string") headers.set(k, v);
      }
      const status = Number(headers.get(statusHeader));
      const answer = answerLocalReply(
        config,
        { path: req.url, headers },
        { status, body: "from Envoy", ...(status === 429 ? { grpcStatus: 8 } : {}) },
      );
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(answer.body));
    });
  });
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // Clients keep their HTTP/2 sessions open; the server closes only once they are gone.
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const transports: Record<string, () => Transport> = {
  "Connect (JSON)": () => createConnectTransport({ baseUrl, httpVersion: "2" }),
  "Connect (binary)": () =>
    createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true }),
  "Connect (GET for reads)": () =>
    createConnectTransport({ baseUrl, httpVersion: "2", useHttpGet: true }),
  gRPC: () => createGrpcTransport({ baseUrl }),
  "gRPC-Web (binary)": () => createGrpcWebTransport({ baseUrl, httpVersion: "2" }),
  "gRPC-Web (JSON)": () =>
    createGrpcWebTransport({ baseUrl, httpVersion: "2", useBinaryFormat: false }),
};

async function failure(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

describe.each(Object.keys(transports))("a connect-es %s client behind the gateway", (name) => {
  const cases = localReplyCodes.map((r) => ({ ...r, codeName: Code[r.code] }));

  it.each(cases)("reads Envoy's $status as $codeName, on unary calls and streams", async (r) => {
    const client = createClient(ConfigService, transports[name]!());
    const options = { headers: { [statusHeader]: String(r.status) } };
    const unary = await failure(() => client.getConfig({ project: "p", key: "k" }, options));
    expect(Code[unary.code]).toBe(Code[r.code]);
    expect(unary.rawMessage).toBe(r.message);
    const stream = await failure(async () => {
      for await (const message of client.watch({ project: "p" }, options)) void message;
    });
    expect(Code[stream.code]).toBe(Code[r.code]);
    expect(stream.rawMessage).toBe(r.message);
  });
});
